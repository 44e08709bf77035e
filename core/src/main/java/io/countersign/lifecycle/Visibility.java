package io.countersign.lifecycle;

import io.countersign.model.Principal;

/**
 * Who may read a request. Humans may read any request (reviewers need context, and the console shows
 * history); agents and services only their own, so one agent cannot learn another's payloads.
 */
public final class Visibility {
    private Visibility() {
    }

    public static boolean canSee(Principal principal, ActionRecord record) {
        return principal.isHuman() || principal.id().equals(record.requester().id());
    }
}
