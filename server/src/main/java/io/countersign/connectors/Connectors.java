package io.countersign.connectors;

import io.countersign.model.ActionRequest;
import java.util.List;
import java.util.Optional;

/** The connectors of this node, in the order configured: the first that serves an action runs it. */
public record Connectors(List<Connector> all) {
    public static final Connectors NONE = new Connectors(List.of());

    public Connectors {
        all = List.copyOf(all);
    }

    public Optional<Connector> serving(ActionRequest request) {
        return all.stream().filter(c -> c.serves(request)).findFirst();
    }
}
