package io.countersign.inventory;

import io.countersign.model.ActionRequest;
import io.countersign.model.Resource;
import io.countersign.model.Principal;
import io.countersign.policy.PolicyInput;
import io.countersign.policy.ResourceResolver;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the server knows about the resources actions act on. For a known resource the inventory's
 * environment and labels are what policy sees, and a request that says otherwise is refused; labels the
 * inventory does not set stay the caller's claims. An unknown resource is passed on as claimed, marked
 * unknown ({@code resource.known == false}) for policy to hold or deny. The first entry that matches wins.
 *
 * @param version content hash of the file it was read from ({@code sha256:...}), or {@code none} without one
 */
public record Inventory(List<KnownResource> entries, String version) implements ResourceResolver {
    /** No inventory: every resource is unknown. */
    public static final Inventory EMPTY = new Inventory(List.of(), "none");

    public Inventory {
        entries = List.copyOf(entries);
    }

    /** A request's resource as policy sees it, and whether the inventory knows it. */
    public record Resolved(ActionRequest request, Optional<KnownResource> known) {
        public boolean isKnown() {
            return known.isPresent();
        }

        /** The owning team of a known resource, or null. */
        public String team() {
            return known.map(KnownResource::team).orElse(null);
        }

        /** What policy sees of the resource beyond the request: {@code resource.known}, {@code resource.team}. */
        public PolicyInput.ResourceFacts facts() {
            return known.isPresent() ? new PolicyInput.ResourceFacts(true, team()) : PolicyInput.ResourceFacts.UNKNOWN;
        }
    }

    @Override
    public PolicyInput inputFor(Principal principal, ActionRequest request, Instant now) {
        Resolved resolved = resolve(request);
        return new PolicyInput(principal, resolved.request(), now, resolved.facts());
    }

    public Optional<KnownResource> lookup(String type, String id) {
        for (KnownResource entry : entries) {
            if (entry.matches(type, id)) {
                return Optional.of(entry);
            }
        }
        return Optional.empty();
    }

    /**
     * {@code request} with its resource completed from the inventory when it is known.
     *
     * @throws ResourceMismatchException when the request contradicts what the inventory says of a known resource
     */
    public Resolved resolve(ActionRequest request) {
        Resource claimed = request.resource();
        Optional<KnownResource> known = lookup(claimed.type(), claimed.id());
        if (known.isEmpty()) {
            return new Resolved(request, known);
        }
        KnownResource fact = known.get();
        if (claimed.env() != null && !claimed.env().equals(fact.env())) {
            throw new ResourceMismatchException("resource.env", "resource " + claimed.type() + " " + claimed.id() + " is in env '"
                    + fact.env() + "' (inventory, " + fact.where() + "), not '" + claimed.env() + "'; leave env out or state it as it is");
        }
        Map<String, String> labels = new LinkedHashMap<>(claimed.labels());
        for (Map.Entry<String, String> label : fact.labels().entrySet()) {
            String said = claimed.labels().get(label.getKey());
            if (said != null && !said.equals(label.getValue())) {
                throw new ResourceMismatchException("resource.labels." + label.getKey(), "resource " + claimed.type() + " " + claimed.id()
                        + " has " + label.getKey() + ": '" + label.getValue() + "' (inventory, " + fact.where() + "), not '" + said
                        + "'; leave the label out or state it as it is");
            }
            labels.put(label.getKey(), label.getValue());
        }
        Resource resolved = new Resource(claimed.type(), claimed.id(), fact.env(), labels);
        return new Resolved(request.withResource(resolved), known);
    }
}
