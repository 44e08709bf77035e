package io.countersign.lifecycle;

import io.countersign.model.Principal;

/** What can happen to a request once it exists. */
public sealed interface LifecycleEvent {
    record ReviewSubmitted(Principal reviewer, ReviewDecision decision, String comment) implements LifecycleEvent {
    }

    record CancelRequested(Principal by) implements LifecycleEvent {
    }

    /** The clock passed the request's expiry; raised by the sweeper or by any read that notices. */
    record ExpiryDue() implements LifecycleEvent {
    }
}
