package io.countersign.policy;

import io.countersign.model.ActionRequest;
import io.countersign.model.Principal;
import java.time.Instant;

/**
 * Everything a policy condition may look at.
 *
 * @param resource what the server knows of the request's resource, beyond what the request says
 */
public record PolicyInput(Principal principal, ActionRequest request, Instant now, ResourceFacts resource) {
    /**
     * @param known whether the resource inventory lists the resource (its env and labels in the request are then
     *              the inventory's); policy sees it as {@code resource.known}
     * @param team  the owning team of a known resource ({@code resource.team}), or null
     */
    public record ResourceFacts(boolean known, String team) {
        public static final ResourceFacts UNKNOWN = new ResourceFacts(false, null);
    }

    /** A request about a resource the server knows nothing of. */
    public PolicyInput(Principal principal, ActionRequest request, Instant now) {
        this(principal, request, now, ResourceFacts.UNKNOWN);
    }
}
