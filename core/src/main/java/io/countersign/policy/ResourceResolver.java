package io.countersign.policy;

import io.countersign.model.ActionRequest;
import io.countersign.model.Principal;
import java.time.Instant;

/**
 * Completes a request with what the server knows of its resource before policy sees it (the resource
 * inventory does this), so that policy decides on facts rather than on what the request says.
 */
@FunctionalInterface
public interface ResourceResolver {
    /** Policy sees the request as it is stated, and every resource as unknown. */
    ResourceResolver NONE = (principal, request, now) -> new PolicyInput(principal, request, now);

    /**
     * @throws io.countersign.model.InvalidInputException when the request contradicts what is known of its resource
     */
    PolicyInput inputFor(Principal principal, ActionRequest request, Instant now);
}
