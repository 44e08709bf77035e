package io.countersign.lifecycle;

import io.countersign.model.Principal;

/**
 * Who asked, as it stood at submission: the principal, the human who owns it, and the human it says
 * it acts for. None of them may review the request.
 */
public record Requester(String id, Principal.Kind kind, String owner, String onBehalfOf) {
    /** In one line, for reviewers: {@code deploy-agent (agent), owner carol, on behalf of dana@example.com}. */
    public String describe() {
        return id + " (" + kind.wireName() + ")" + (owner != null ? ", owner " + owner : "")
                + (onBehalfOf != null ? ", on behalf of " + onBehalfOf : "");
    }

    /** Whether {@code principal} is the requester, its owner or the human it acts for. */
    public boolean isBehind(Principal principal) {
        return principal.id().equals(id) || principal.id().equals(owner) || principal.isNamedBy(onBehalfOf);
    }

    /** The requester of {@code request} as it states who it acts for, unresolved (for tests and tools). */
    public static Requester of(Principal principal, io.countersign.model.ActionRequest request) {
        return of(principal, request.onBehalfOf().orElse(null));
    }

    /** @param onBehalfOf the id of the human it acts for, as resolved against the identities; null when none */
    public static Requester of(Principal principal, String onBehalfOf) {
        return new Requester(principal.id(), principal.kind(), principal.owner(), onBehalfOf);
    }
}
