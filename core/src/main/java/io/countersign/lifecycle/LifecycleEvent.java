package io.countersign.lifecycle;

import io.countersign.model.Principal;
import io.countersign.policy.Decision;

/** What can happen to a request once it exists. */
public sealed interface LifecycleEvent {
    /**
     * @param reviewer whose review it is (the seat it takes in the quorum)
     * @param by       who reviews for {@code reviewer} under a delegation in force now, or null
     */
    record ReviewSubmitted(Principal reviewer, ReviewDecision decision, String comment, Principal by) implements LifecycleEvent {
        public ReviewSubmitted(Principal reviewer, ReviewDecision decision, String comment) {
            this(reviewer, decision, comment, null);
        }
    }

    record CancelRequested(Principal by) implements LifecycleEvent {
    }

    /** The clock says a held request's open stage may be due a reminder or an escalation ({@code remind_after}, {@code escalate_after}). */
    record NudgeDue() implements LifecycleEvent {
    }

    /** An admin overrides the approvals a pending request waits for, in an emergency, saying why. */
    record BreakGlassUsed(Principal by, String justification) implements LifecycleEvent {
    }

    /** Someone eligible to review the request looks at a break-glass after the fact. */
    record BreakGlassReviewed(Principal reviewer, BreakGlass.Verdict verdict, String comment) implements LifecycleEvent {
    }

    /** The clock passed the request's expiry; raised by the sweeper or by any read that notices. */
    record ExpiryDue() implements LifecycleEvent {
    }

    /**
     * A new policy was activated and says {@code decision} about the request now.
     *
     * @param relax whether the rules that decided allow settling the request on relaxed terms
     *              ({@code relax_pending: approve})
     */
    record PolicyChanged(Decision decision, boolean relax) implements LifecycleEvent {
    }

    /**
     * A grant for the action is presented for use (by the resource, a connector or the requester); the
     * first use wins, and only if the policy in force now, {@code policyNow}, still lets the action run.
     */
    record GrantUsed(Principal by, String grantId, Decision policyNow) implements LifecycleEvent {
    }

    /**
     * The requester reports how running the action went. If the grant was not used yet, this is its use.
     */
    record OutcomeReported(Principal by, String grantId, Execution.Outcome outcome, String detail) implements LifecycleEvent {
    }

    /** A connector Countersign runs (proxy mode) finished the action it was given with a used grant. */
    record ConnectorFinished(String connector, String grantId, Execution.Outcome outcome, String detail) implements LifecycleEvent {
    }
}
