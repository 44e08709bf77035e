package io.countersign.connectors;

import io.countersign.inventory.ResourceMismatchException;
import io.countersign.model.ActionRequest;
import io.countersign.model.Resource;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The connectors of this node, in the order configured: the first that serves an action runs it. Each
 * acts on one resource, named in its configuration ({@link Target}); a request it serves must name that
 * resource, so policy decides (and reviewers see) the resource the connector really acts on.
 */
public record Connectors(List<Connector> all, Map<String, Target> targets) {
    public static final Connectors NONE = new Connectors(List.of(), Map.of());

    /** The resource a connector acts on, whatever a request says. */
    public record Target(String type, String id) {
        @Override
        public String toString() {
            return type + " " + id;
        }
    }

    public Connectors {
        all = List.copyOf(all);
        targets = Map.copyOf(targets);
    }

    public Optional<Connector> serving(ActionRequest request) {
        return all.stream().filter(c -> c.serves(request)).findFirst();
    }

    /**
     * On submit: a request that a connector serves must name the resource that connector acts on and carry a
     * payload it can run, so that reviewers never approve something that cannot run as shown.
     */
    public void checkSubmitted(ActionRequest request) {
        checkTarget(request);
        serving(request).ifPresent(connector -> connector.check(request.payload()));
    }

    /**
     * @throws ResourceMismatchException when a connector serves the request and the request names another
     *                                   resource than the one that connector acts on
     */
    public void checkTarget(ActionRequest request) {
        serving(request).ifPresent(connector -> {
            Target target = targets.get(connector.name());
            Resource named = request.resource();
            if (target != null && !(target.type().equals(named.type()) && target.id().equals(named.id()))) {
                throw new ResourceMismatchException("resource", "connector " + connector.name() + " runs " + request.action()
                        + " on " + target + ", so the request must name that resource (type " + target.type() + ", id " + target.id()
                        + "), not " + named.type() + " " + named.id());
            }
        });
    }
}
