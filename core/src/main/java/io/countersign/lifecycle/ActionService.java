package io.countersign.lifecycle;

import io.countersign.events.AuditEvent;
import io.countersign.events.EventStore;
import io.countersign.events.EventType;
import io.countersign.identity.Identities;
import io.countersign.inventory.Inventory;
import io.countersign.inventory.ResourceMismatchException;
import io.countersign.lifecycle.LifecycleEvent.CancelRequested;
import io.countersign.lifecycle.LifecycleEvent.ExpiryDue;
import io.countersign.lifecycle.LifecycleEvent.PolicyChanged;
import io.countersign.lifecycle.LifecycleEvent.ReviewSubmitted;
import io.countersign.lifecycle.Transition.Applied;
import io.countersign.lifecycle.Transition.Refused;
import io.countersign.json.ActionDigest;
import io.countersign.model.ActionId;
import io.countersign.model.ActionRequest;
import io.countersign.model.InvalidInputException;
import io.countersign.model.Principal;
import io.countersign.model.Status;
import io.countersign.policy.Decision;
import io.countersign.policy.Deny;
import io.countersign.policy.PolicyEngine;
import io.countersign.policy.PolicyInput;
import io.countersign.policy.RequirementNotMet;
import io.countersign.lifecycle.ActionStore;
import io.countersign.lifecycle.ActionStore.InsertResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The use cases of the approval lifecycle: submit, read, wait, review, cancel, expire. It asks policy,
 * applies {@link Lifecycle} rules and stores the result by compare-and-set, retrying on a lost race
 * with the fresh record, so two concurrent reviewers or nodes can never both win.
 */
public final class ActionService {
    private static final int MAX_ATTEMPTS = 16;

    private final ActionStore store;
    private final Supplier<PolicyEngine> policy;
    private final Clock clock;
    private final ChangeFeed changes;
    private final Supplier<Identities> identities;
    private final SubmissionLimits limits;
    private final SubmissionRate rate;
    /** Presenting grants (verify, claim) is limited like submitting, in buckets of its own. */
    private final SubmissionRate grantRate;
    private final RefusedAttempts refusals;
    private final Supplier<Inventory> inventory;
    private final List<SubmissionCheck> checks;
    private final GrantIssuer grants;
    private final Delegations delegations;

    /**
     * @param store      the action records
     * @param events     where refused attempts are recorded
     * @param inventory  the resource inventory in force: what the server knows of the resources requests name,
     *                   read at every decision (a reload swaps it)
     * @param identities the identities in force: a requester's principal as it is now, for re-evaluating pending
     *                   requests (one no longer found is evaluated with no groups), and the humans agents act for
     * @param limits     how much one principal may submit, and have waiting for review at once
     */
    public ActionService(ActionStore store, EventStore events, Supplier<PolicyEngine> policy, Supplier<Inventory> inventory, Clock clock,
                         ChangeFeed changes, Supplier<Identities> identities, SubmissionLimits limits) {
        this(store, events, policy, inventory, clock, changes, identities, limits, List.of(), GrantIssuer.NONE);
    }

    /**
     * @param checks what every submitted request must pass first (callbacks, connectors)
     * @param grants mints the grants that requesters run their actions with
     */
    public ActionService(ActionStore store, EventStore events, Supplier<PolicyEngine> policy, Supplier<Inventory> inventory, Clock clock,
                         ChangeFeed changes, Supplier<Identities> identities, SubmissionLimits limits,
                         List<SubmissionCheck> checks, GrantIssuer grants) {
        this.inventory = inventory;
        this.limits = limits;
        this.rate = new SubmissionRate(limits, clock);
        this.grantRate = new SubmissionRate(limits, clock);
        this.refusals = new RefusedAttempts(events, clock);
        this.store = store;
        this.policy = policy;
        this.clock = clock;
        this.changes = changes;
        this.identities = identities;
        this.checks = List.copyOf(checks);
        this.grants = grants;
        this.delegations = new Delegations(events, identities, clock);
    }

    /**
     * Who the request says it acts for, as one person: the id of the human the identities file knows by that id
     * or address (so that they can never review it, whichever way they sign in), or, where a rule that matched
     * says {@code on_behalf_of: any}, the value as given. Anyone else named is refused before anything is stored.
     */
    private String onBehalfOf(ActionRequest request, PolicyEngine engine, Decision decision) {
        String stated = request.onBehalfOf().orElse(null);
        if (stated == null) {
            return null;
        }
        Optional<Principal> human = identities.get().human(stated);
        if (human.isPresent()) {
            return human.get().id();
        }
        if (engine.acceptsUnknownOnBehalfOf(decision)) {
            return stated;
        }
        throw new InvalidInputException("context.on_behalf_of", "'context.on_behalf_of' names no human Countersign knows ('" + stated
                + "'): name a human by id or e-mail address as the identities file lists them");
    }

    /**
     * The grant {@code caller} runs this action with: the requester (or the agent's owner) gets a fresh one
     * whenever it reads an action that may run now; nobody else ever does.
     */
    public Optional<GrantIssuer.Issued> grantFor(Principal caller, ActionRecord record) {
        boolean requester = caller.id().equals(record.requester().id()) || caller.id().equals(record.requester().owner());
        if (!requester || !record.isRunnable()) {
            return Optional.empty();
        }
        return Optional.ofNullable(grants.issue(record, clock.instant()));
    }

    /** Millisecond precision: what the store keeps, so a record read back equals the one written. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * @throws TooManyRequestsException when the caller submits faster than its limit, or a held request
     *                                  would exceed the requests it may have waiting for review
     */
    public Submission submit(Principal caller, ActionRequest claimed) {
        Duration wait = rate.take(caller.id());
        if (wait != null) {
            throw new TooManyRequestsException("rate_limited", caller.id() + " submits faster than its limit of "
                    + limits.perSecond() + " per second (bursts of " + limits.burst() + "); retry after " + wait.toMillis() + " ms", wait);
        }
        for (SubmissionCheck check : checks) {
            check.check(claimed);
        }
        // What is stored, digested, decided and shown is the request with the inventory's facts about its resource.
        Inventory.Resolved resolved = inventory.get().resolve(claimed);
        ActionRequest request = resolved.request();
        String digest = ActionDigest.of(request);
        if (request.idempotencyKey() != null) {
            Optional<ActionRecord> earlier = store.findByIdempotencyKey(caller.id(), request.idempotencyKey());
            if (earlier.isPresent()) {
                return replay(earlier.get(), digest);
            }
        }
        Instant now = now();
        PolicyEngine engine = policy.get();
        Decision decision;
        try {
            decision = engine.evaluate(new PolicyInput(caller, request, now, resolved.facts()));
        } catch (RequirementNotMet unmet) {
            refusals.record(new RefusedAttempts.Attempt(caller.id(), null, new AuditEvent.Refused(EventType.REFUSED, digest,
                    "requirement_not_met", "submit", unmet.getMessage(), unmet.controls(), null, null, request.action(),
                    request.resource().type() + ":" + request.resource().id(), unmet.rule())));
            throw unmet;
        }
        String onBehalfOf = onBehalfOf(request, engine, decision);
        Lifecycle.Started started = Lifecycle.start(ActionId.newId(now), Requester.of(caller, onBehalfOf), request, digest, decision, now);
        InsertResult result = store.insert(started.record(), started.events(), limits.maxPending());
        return switch (result) {
            case InsertResult.Inserted inserted -> new Submission(reevaluateIfPolicyMovedOn(inserted.record()), Submission.Reuse.NONE);
            case InsertResult.SameIdempotencyKey same -> replay(same.record(), digest);
            case InsertResult.Duplicate duplicate -> new Submission(current(duplicate.record()),
                    duplicate.record().status() == Status.APPROVED ? Submission.Reuse.APPROVED_DUPLICATE : Submission.Reuse.PENDING_DUPLICATE);
            case InsertResult.TooManyPending full -> throw new TooManyRequestsException("too_many_pending", caller.id() + " already has "
                    + full.limit() + " requests waiting for review, the most one requester may have; wait until some are decided, "
                    + "or cancel some", null);
        };
    }

    /**
     * What policy would decide on this request now, storing nothing: for a dry run, which must not leave a
     * request waiting for review.
     */
    public Decision preview(Principal caller, ActionRequest claimed) {
        for (SubmissionCheck check : checks) {
            check.check(claimed);
        }
        Inventory.Resolved resolved = inventory.get().resolve(claimed);
        return policy.get().evaluate(new PolicyInput(caller, resolved.request(), now(), resolved.facts()));
    }

    private Submission replay(ActionRecord earlier, String digest) {
        if (!earlier.digest().equals(digest)) {
            throw new IdempotencyConflictException(earlier.id().value());
        }
        return new Submission(current(earlier), Submission.Reuse.IDEMPOTENCY_KEY);
    }

    /** The stored record, whoever asks: for checks whose authority is a grant, not the caller's view. */
    public Optional<ActionRecord> find(ActionId id) {
        return store.find(id);
    }

    /** The record as the caller may see it now; an overdue pending request is expired first. */
    public ActionRecord get(Principal caller, ActionId id) {
        ActionRecord record = store.find(id).orElseThrow(() -> new ActionNotFoundException(id.value()));
        if (!Visibility.canSee(caller, record)) {
            throw new ActionNotFoundException(id.value());
        }
        return current(record);
    }

    /** The longest a waiter goes without reading the record again. */
    static final Duration REREAD = Duration.ofSeconds(5);

    private static Instant earliest(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /**
     * Waits until the request leaves the status it had when the wait began, or {@code maxWait} passes.
     * Blocks the calling (virtual) thread.
     */
    public ActionRecord await(Principal caller, ActionId id, Duration maxWait) {
        Instant deadline = clock.instant().plus(maxWait);
        Status initial = null;
        while (true) {
            var change = changes.nextChange(id);
            ActionRecord record = get(caller, id);
            if (initial == null) {
                initial = record.status();
            }
            Instant now = clock.instant();
            if (record.status() != initial || record.status() != Status.PENDING || !now.isBefore(deadline)) {
                return record;
            }
            Instant wakeAt = record.expiresAt() != null && record.expiresAt().isBefore(deadline)
                    ? record.expiresAt().plusMillis(1) : deadline;
            // A change on another node wakes this one through the store; should that word be lost, the re-read comes anyway.
            wakeAt = earliest(wakeAt, now.plus(REREAD));
            try {
                change.get(Math.max(1, Duration.between(now, wakeAt).toMillis()), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // Deadline or expiry reached: loop once more to expire and answer.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return record;
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Newest first. For {@code status=pending} a human sees their review inbox: exactly the requests they
     * may review now. Agents and services see only their own requests.
     */
    public List<ActionRecord> list(Principal caller, Status status, int limit) {
        Instant now = now();
        if (!caller.isHuman()) {
            return store.list(new ActionStore.Query(status, caller.id(), limit)).stream().map(this::current).toList();
        }
        if (status == Status.PENDING) {
            // Their own inbox, and the inboxes of those whose reviews they hold now (a delegation).
            List<Principal> delegators = delegations.delegatorsOf(caller);
            return store.list(new ActionStore.Query(Status.PENDING, null, Math.max(limit * 4, 200))).stream()
                    .filter(r -> Lifecycle.reviewRefusal(r, caller, now) == null
                            || delegators.stream().anyMatch(d -> Lifecycle.reviewRefusal(r, d, caller, now) == null))
                    .limit(limit)
                    .toList();
        }
        return store.list(new ActionStore.Query(status, null, limit)).stream().map(this::current).toList();
    }

    public ActionRecord review(Principal caller, ActionId id, ReviewDecision decision, String comment) {
        return review(caller, id, decision, comment, null);
    }

    /**
     * A review by {@code caller}: for {@code forWhom} when named (under a delegation from them in force now), else
     * as themself, or, when they may not review it as themself, for the first whose reviews they hold who may.
     */
    public ActionRecord review(Principal caller, ActionId id, ReviewDecision decision, String comment, String forWhom) {
        ActionRecord record = get(caller, id);
        try {
            return apply(record, reviewAs(caller, record, decision, comment, forWhom));
        } catch (LifecycleException e) {
            // A missing justification is a form to fill in again, not an attempt at something refused.
            if (e.refusal() != Refusal.JUSTIFICATION_REQUIRED) {
                refused(caller, "review", e, record, null, decision.wireName());
            }
            throw e;
        }
    }

    private ReviewSubmitted reviewAs(Principal caller, ActionRecord record, ReviewDecision decision, String comment, String forWhom) {
        List<Principal> delegators = caller.isHuman() ? delegations.delegatorsOf(caller) : List.of();
        if (forWhom != null) {
            Principal delegator = delegators.stream().filter(p -> p.id().equals(forWhom) || p.isNamedBy(forWhom)).findFirst()
                    .orElseThrow(() -> new LifecycleException(Refusal.NOT_ELIGIBLE, caller.id() + " holds no delegation from " + forWhom
                            + " in force now"));
            return new ReviewSubmitted(delegator, decision, comment, caller);
        }
        Instant now = now();
        if (!delegators.isEmpty() && Lifecycle.reviewRefusal(record, caller, now) != null) {
            for (Principal delegator : delegators) {
                if (Lifecycle.reviewRefusal(record, delegator, caller, now) == null) {
                    return new ReviewSubmitted(delegator, decision, comment, caller);
                }
            }
        }
        return new ReviewSubmitted(caller, decision, comment);
    }

    /** Who reviews for whom, and until when. */
    public Delegations delegations() {
        return delegations;
    }

    public ActionRecord cancel(Principal caller, ActionId id) {
        return apply(get(caller, id), new CancelRequested(caller));
    }

    /** An admin lets a pending request run without its approvals, in an emergency; see {@link Lifecycle}. */
    public ActionRecord breakGlass(Principal admin, ActionId id, String justification) {
        ActionRecord record = get(admin, id);
        try {
            return apply(record, new LifecycleEvent.BreakGlassUsed(admin, justification));
        } catch (LifecycleException e) {
            refused(admin, "break_glass", e, record, null, null);
            throw e;
        }
    }

    public ActionRecord reviewBreakGlass(Principal reviewer, ActionId id, BreakGlass.Verdict verdict, String comment) {
        ActionRecord record = get(reviewer, id);
        try {
            return apply(record, new LifecycleEvent.BreakGlassReviewed(reviewer, verdict, comment));
        } catch (LifecycleException e) {
            if (e.refusal() != Refusal.JUSTIFICATION_REQUIRED) {
                refused(reviewer, "break_glass_review", e, record, null, null);
            }
            throw e;
        }
    }

    /** Writes the summaries of refused attempts counted in minutes that have ended; run by the sweeper. */
    public void flushRefusedAttempts() {
        refusals.flush();
    }

    /**
     * @throws TooManyRequestsException when {@code caller} presents grants (verify, claim) faster than its limit,
     *                                  the same as for submissions but counted apart from them
     */
    public void throttleGrantChecks(Principal caller) {
        Duration wait = grantRate.take(caller.id());
        if (wait != null) {
            throw new TooManyRequestsException("rate_limited", caller.id() + " presents grants faster than its limit of "
                    + limits.perSecond() + " per second (bursts of " + limits.burst() + "); retry after " + wait.toMillis() + " ms", wait);
        }
    }

    /** Records a refused attempt on {@code record}: a grant refusal when {@code grantId} is given, else {@code attempt.refused}. */
    private void refused(Principal by, String attempt, LifecycleException e, ActionRecord record, String grantId, String decision) {
        refusals.record(new RefusedAttempts.Attempt(by.id(), record.id(), new AuditEvent.Refused(
                grantId != null ? EventType.GRANT_REFUSED : EventType.REFUSED, record.digest(), e.refusal().code(), attempt, e.getMessage(),
                record.decision().controls(), grantId, decision, null, null, null)));
    }

    /** Newest first: the break-glass uses {@code caller} may review now (none for agents and services). */
    public List<ActionRecord> breakGlassInbox(Principal caller, int limit) {
        if (!caller.isHuman()) {
            return List.of();
        }
        return store.list(new ActionStore.Query(null, null, Math.max(limit * 4, 200), true)).stream()
                .filter(r -> Lifecycle.breakGlassReviewRefusal(r, caller) == null)
                .limit(limit)
                .toList();
    }

    /**
     * Uses a grant: the action runs now, once. The caller has already shown a valid grant for this action
     * (possession of it is the authority, so the caller need not be able to list the action). The policy in
     * force now is asked again, so an action that policy has since come to deny does not run. A second
     * use, or a use that policy refuses, is refused and the attempt is recorded in the audit log.
     */
    public ActionRecord useGrant(Principal by, ActionId id, String grantId) {
        ActionRecord record = store.find(id).orElseThrow(() -> new ActionNotFoundException(id.value()));
        Decision policyNow = decide(record, policy.get());
        return auditedRefusal(record, by, grantId, () -> apply(record, new LifecycleEvent.GrantUsed(by, grantId, policyNow)));
    }

    /**
     * For a gateway that runs the requester's action itself, in its path (an AWS call it forwards, a Kubernetes
     * change it admits): a fresh grant, used at once, so the action runs once whatever retries arrive.
     *
     * @return the used grant's id, to record the outcome under
     * @throws LifecycleException when the action may not run (not runnable, already run, no longer allowed)
     */
    public String claimToRun(Principal caller, ActionRecord record) {
        GrantIssuer.Issued grant = grantFor(caller, record).orElseThrow(() -> new LifecycleException(Refusal.NOT_RUNNABLE,
                "request " + record.id().value() + " may not run now (" + record.status().wireName() + ")"));
        useGrant(caller, record.id(), grant.id());
        return grant.id();
    }

    /** A connector that ran the action with a used grant records how it went (proxy mode). */
    public ActionRecord recordConnectorOutcome(ActionId id, String connector, String grantId, Execution.Outcome outcome, String detail) {
        ActionRecord record = store.find(id).orElseThrow(() -> new ActionNotFoundException(id.value()));
        return apply(record, new LifecycleEvent.ConnectorFinished(connector, grantId, outcome, detail));
    }

    /**
     * The requester reports how running the action went; uses the grant if nobody did yet. {@code record}
     * is what the caller read through {@link #get} (what they may see); one changed since is read again
     * before the compare-and-set, as for every change.
     */
    public ActionRecord reportOutcome(Principal caller, ActionRecord record, String grantId, Execution.Outcome outcome, String detail) {
        return auditedRefusal(record, caller, grantId,
                () -> apply(record, new LifecycleEvent.OutcomeReported(caller, grantId, outcome, detail)));
    }

    private ActionRecord auditedRefusal(ActionRecord record, Principal by, String grantId, Supplier<ActionRecord> use) {
        try {
            return use.get();
        } catch (LifecycleException e) {
            if (e.refusal() == Refusal.GRANT_USED || e.refusal() == Refusal.NOT_RUNNABLE || e.refusal() == Refusal.NO_LONGER_ALLOWED
                    || e.refusal() == Refusal.APPROVAL_EXPIRED) {
                refused(by, "grant", e, record, grantId, null);
            }
            throw e;
        }
    }

    /** Expires every overdue pending request; run by the sweeper. Returns how many it expired. */
    public int expireOverdue() {
        int expired = 0;
        for (ActionId id : store.overdue(now(), 500)) {
            Optional<ActionRecord> record = store.find(id);
            if (record.isPresent() && record.get().isOverdue(now())) {
                current(record.get());
                expired++;
            }
        }
        return expired;
    }

    /**
     * Reminders and escalations that are due ({@code remind_after}, {@code escalate_after}), for the node that leads:
     * each once per stage, whichever node applies it first (the store's compare-and-set decides).
     *
     * @return how many were applied
     */
    public int nudgeDue() {
        int nudged = 0;
        Instant now = now();
        for (ActionRecord record : store.list(new ActionStore.Query(Status.PENDING, null, 1000))) {
            if (Lifecycle.nudgeDue(record, now)) {
                try {
                    apply(record, new LifecycleEvent.NudgeDue());
                    nudged++;
                } catch (LifecycleException raced) {
                    // Reviewed, expired or nudged meanwhile: nothing is due any more.
                }
            }
        }
        return nudged;
    }

    /** How a policy change settled the pending requests: outcome (denied, approved, changed, unchanged) to count. */
    public record Reevaluation(Map<String, Integer> outcomes) {
    }

    /**
     * Puts every pending request before {@code engine}, the policy just activated: now denied, denied;
     * now stricter, held to the stricter terms; looser, as its rules' {@code relax_pending} says.
     */
    public Reevaluation reevaluatePending(PolicyEngine engine) {
        Map<String, Integer> outcomes = new TreeMap<>();
        ActionId after = null;
        while (true) {
            List<ActionId> page = store.pending(after, 500);
            for (ActionId id : page) {
                store.find(id).ifPresent(record -> outcomes.merge(reevaluate(record, engine), 1, Integer::sum));
            }
            if (page.size() < 500) {
                return new Reevaluation(outcomes);
            }
            after = page.getLast();
        }
    }

    /**
     * A submission evaluated by a policy that was replaced before it was stored missed the sweep over
     * pending requests; it is put before the new policy here.
     */
    private ActionRecord reevaluateIfPolicyMovedOn(ActionRecord record) {
        PolicyEngine engine = policy.get();
        if (record.status() != Status.PENDING || engine.version().equals(record.decision().version())) {
            return record;
        }
        reevaluate(record, engine);
        return store.find(record.id()).orElse(record);
    }

    private String reevaluate(ActionRecord record, PolicyEngine engine) {
        if (record.status() != Status.PENDING) {
            return "settled";
        }
        Decision decision = decide(record, engine);
        try {
            ActionRecord next = apply(record, new PolicyChanged(decision, engine.relaxesPending(decision)));
            return next.status() == Status.PENDING ? "changed" : next.status().wireName();
        } catch (LifecycleException e) {
            return e.refusal() == Refusal.UNCHANGED ? "unchanged" : "settled";
        }
    }

    /**
     * What {@code engine} says about the stored request now, for its requester as they are now and its resource
     * as the inventory knows it now. A stored request the inventory now contradicts may not run.
     */
    private Decision decide(ActionRecord record, PolicyEngine engine) {
        Requester requester = record.requester();
        Principal principal = identities.get().byId(requester.id()).orElseGet(() ->
                new Principal(requester.id(), requester.kind(), null, null, Set.of(), requester.owner()));
        Inventory.Resolved resolved;
        try {
            resolved = inventory.get().resolve(record.request());
        } catch (ResourceMismatchException mismatch) {
            return new Deny(List.of(), List.of(), "the resource inventory now says otherwise: " + mismatch.getMessage(), engine.version());
        }
        try {
            return engine.evaluate(new PolicyInput(principal, record.request(), now(), resolved.facts()));
        } catch (RequirementNotMet unmet) {
            return new Deny(List.of(unmet.rule()), List.of(), unmet.getMessage(), engine.version());
        }
    }


    /** Brings an overdue pending record to expired (whoever notices first wins the compare-and-set). */
    private ActionRecord current(ActionRecord record) {
        if (!record.isOverdue(now())) {
            return record;
        }
        try {
            return apply(record, new ExpiryDue());
        } catch (LifecycleException e) {
            return store.find(record.id()).orElse(record);
        }
    }

    private ActionRecord apply(ActionRecord record, LifecycleEvent event) {
        ActionRecord current = record;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Instant now = now();
            if (current.isOverdue(now) && !(event instanceof ExpiryDue)) {
                current = apply(current, new ExpiryDue());
            }
            switch (Lifecycle.transition(current, event, now)) {
                case Refused refused -> throw new LifecycleException(refused.reason(), refused.message());
                case Applied applied -> {
                    if (store.update(applied.next(), applied.review(), applied.events())) {
                        changes.changed(current.id());
                        return applied.next();
                    }
                }
            }
            ActionId id = current.id();
            current = store.find(id).orElseThrow(() -> new ActionNotFoundException(id.value()));
        }
        throw new IllegalStateException("action " + record.id() + " kept changing under " + MAX_ATTEMPTS + " attempts");
    }
}
