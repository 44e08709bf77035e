package io.countersign.lifecycle;

import io.countersign.events.ActionEvent;
import io.countersign.events.AuditEvent;
import io.countersign.lifecycle.LifecycleEvent.BreakGlassReviewed;
import io.countersign.lifecycle.LifecycleEvent.BreakGlassUsed;
import io.countersign.lifecycle.LifecycleEvent.CancelRequested;
import io.countersign.lifecycle.LifecycleEvent.ConnectorFinished;
import io.countersign.lifecycle.LifecycleEvent.ExpiryDue;
import io.countersign.lifecycle.LifecycleEvent.GrantUsed;
import io.countersign.lifecycle.LifecycleEvent.OutcomeReported;
import io.countersign.lifecycle.LifecycleEvent.PolicyChanged;
import io.countersign.lifecycle.LifecycleEvent.ReviewSubmitted;
import io.countersign.lifecycle.Transition.Applied;
import io.countersign.lifecycle.Transition.Refused;
import io.countersign.model.ActionId;
import io.countersign.model.ActionRequest;
import io.countersign.model.Principal;
import io.countersign.model.Status;
import io.countersign.policy.Allow;
import io.countersign.policy.Decision;
import io.countersign.policy.Deny;
import io.countersign.policy.Justification;
import io.countersign.policy.RequireApproval;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules of the approval lifecycle, all in one place and free of I/O: given a record and an event,
 * the next record or the reason for refusal. Stores apply the result by compare-and-set; they never decide.
 */
public final class Lifecycle {
    private Lifecycle() {
    }

    /** A new request after policy has decided: its first record and the events that announce it. */
    public record Started(ActionRecord record, List<ActionEvent> events) {
    }

    public static Started start(ActionId id, Requester requester, ActionRequest request, String digest,
                                Decision decision, Instant now) {
        Status status = switch (decision) {
            case Allow a -> Status.ALLOWED;
            case Deny d -> Status.DENIED;
            case RequireApproval r -> Status.PENDING;
        };
        Instant expiresAt = decision instanceof RequireApproval r ? now.plus(r.ttl()) : null;
        ActionRecord record = new ActionRecord(id, requester, request, digest, status, 1, decision, List.of(), now, now, expiresAt, null);
        var requested = new AuditEvent.Requested(digest, request.action(), request.resource().type() + ":" + request.resource().id(),
                request.intent().summary(), request.intent().ticket(), request.onBehalfOf().orElse(null));
        var decided = new AuditEvent.Decided(digest, decision, status.wireName(), expiresAt);
        return new Started(record, List.of(
                new ActionEvent(id, requester.id(), now, requested),
                new ActionEvent(id, ActionEvent.SYSTEM, now, decided)));
    }

    public static Transition transition(ActionRecord current, LifecycleEvent event, Instant now) {
        return switch (event) {
            case ReviewSubmitted review -> review(current, review, now);
            case CancelRequested cancel -> cancel(current, cancel.by(), now);
            case BreakGlassUsed used -> breakGlass(current, used, now);
            case BreakGlassReviewed reviewed -> reviewBreakGlass(current, reviewed, now);
            case ExpiryDue due -> expire(current, now);
            case LifecycleEvent.NudgeDue due -> nudge(current, now);
            case PolicyChanged changed -> reevaluate(current, changed, now);
            case GrantUsed used -> use(current, used, now);
            case OutcomeReported reported -> report(current, reported, now);
            case ConnectorFinished finished -> finish(current, finished, now);
        };
    }

    private static Transition use(ActionRecord current, GrantUsed used, Instant now) {
        Refused refused = runRefusal(current, now);
        if (refused == null) {
            refused = policyRefusal(current, used.policyNow());
        }
        return refused != null ? refused : run(current, used.by().id(), used.grantId(), now);
    }

    private static Refused runRefusal(ActionRecord current, Instant now) {
        if (current.approvalLapsed() || (current.status() == Status.APPROVED && current.isOverdue(now))) {
            return new Refused(Refusal.APPROVAL_EXPIRED, "the approval lapsed at " + current.expiresAt()
                    + " before the action ran; nothing ran, and it must be asked for (and approved) again");
        }
        if (current.execution() != null) {
            return new Refused(Refusal.GRANT_USED, "this action was already run (grant " + current.execution().grantId()
                    + " used at " + current.execution().at() + "); grants are single-use");
        }
        if (!current.isRunnable()) {
            return new Refused(Refusal.NOT_RUNNABLE, "only allowed or approved actions can run; this one is " + current.status().wireName());
        }
        return null;
    }

    /**
     * Policy may have changed since the action was allowed or approved: it runs only if the policy in force
     * now would let it, either outright or with the approvals it already has.
     */
    private static Refused policyRefusal(ActionRecord current, Decision policyNow) {
        return switch (policyNow) {
            case Allow allow -> null;
            case Deny deny -> new Refused(Refusal.NO_LONGER_ALLOWED, "the policy in force now (version "
                    + deny.version().value() + (deny.rule() == null ? "" : ", rule " + deny.rule()) + ") denies this action: " + deny.reason());
            // Broken glass stands in for the approvals, never for a denial.
            case RequireApproval terms -> current.breakGlass() != null || terms.quorum().isMetBy(approvers(current)) ? null
                    : new Refused(Refusal.NO_LONGER_ALLOWED, "the policy in force now (version " + terms.version().value()
                    + ", rules " + String.join(", ", terms.rules()) + ") requires approvals this action does not have: "
                    + terms.quorum().describe());
        };
    }

    private static Applied run(ActionRecord current, String by, String grantId, Instant now) {
        return new Applied(current.withExecution(Status.EXECUTED, new Execution(grantId, by, now, null, null), now), null,
                List.of(new ActionEvent(current.id(), by, now, new AuditEvent.Claimed(current.digest(), grantId))));
    }

    /** Gate mode: the agent ran the action itself, so the report is recorded even if policy changed since. */
    private static Transition report(ActionRecord current, OutcomeReported reported, Instant now) {
        if (!reported.by().id().equals(current.requester().id()) && !reported.by().id().equals(current.requester().owner())) {
            return new Refused(Refusal.NOT_REQUESTER, "only the requester (or the agent's owner) reports the outcome");
        }
        ActionRecord base = current;
        List<ActionEvent> events = new ArrayList<>();
        if (current.execution() == null) {
            Refused refused = runRefusal(current, now);
            if (refused != null) {
                return refused;
            }
            Applied used = run(current, reported.by().id(), reported.grantId(), now);
            base = used.next();
            events.addAll(used.events());
        }
        return outcome(current, base, events, reported.by().id(), reported.grantId(), reported.outcome(), reported.detail(), now);
    }

    private static Transition finish(ActionRecord current, ConnectorFinished finished, Instant now) {
        if (current.execution() == null) {
            return new Refused(Refusal.NOT_RUNNABLE, "a connector reports only on an action whose grant it used");
        }
        return outcome(current, current, new ArrayList<>(), "connector:" + finished.connector(), finished.grantId(),
                finished.outcome(), finished.detail(), now);
    }

    /** Records how the run that used {@code grantId} went; {@code base} is the record with that use applied. */
    private static Transition outcome(ActionRecord current, ActionRecord base, List<ActionEvent> events, String by, String grantId,
                                      Execution.Outcome outcome, String text, Instant now) {
        if (!base.execution().grantId().equals(grantId)) {
            return new Refused(Refusal.GRANT_USED, "this action was already run with another grant; grants are single-use");
        }
        if (base.execution().outcome() != null) {
            return new Refused(Refusal.OUTCOME_RECORDED, "the outcome of this action was already reported: "
                    + base.execution().outcome().wireName());
        }
        events.add(new ActionEvent(current.id(), by, now, new AuditEvent.Outcome(current.digest(), outcome.wireName(), text)));
        Status status = outcome == Execution.Outcome.SUCCEEDED ? Status.EXECUTED : Status.FAILED;
        // One change of the stored record, even when the grant is used by this same report.
        return new Applied(current.withExecution(status, base.execution().withOutcome(outcome, text), now), null, events);
    }

    /**
     * Why {@code principal} may not review {@code record} now, or null when they may. The listing of a
     * reviewer's inbox uses this too, so that what a reviewer sees is exactly what they may act on.
     */
    public static Refused reviewRefusal(ActionRecord record, Principal principal, Instant now) {
        if (record.status() == Status.EXPIRED || record.isOverdue(now)) {
            return new Refused(Refusal.EXPIRED, "the request expired at " + record.expiresAt());
        }
        if (record.status() != Status.PENDING) {
            return new Refused(Refusal.NOT_PENDING, "the request is " + record.status().wireName() + ", not pending");
        }
        Refused ineligible = reviewerRefusal(record, principal);
        if (ineligible != null) {
            return ineligible;
        }
        if (record.reviews().stream().anyMatch(r -> r.involves(principal.id()))) {
            return new Refused(Refusal.ALREADY_REVIEWED, principal.id() + " has already reviewed this request");
        }
        // Stages are decided in order: a later stage's reviewers are asked once the earlier ones are met.
        var quorum = ((RequireApproval) record.decision()).quorum();
        int open = quorum.openStage(approvers(record));
        if (quorum.stages() > 1 && open < quorum.stages() && !quorum.admitsAt(open, principal.groups())) {
            return new Refused(Refusal.NOT_ELIGIBLE, "stage " + (open + 1) + " of " + quorum.stages() + " is open, for "
                    + String.join(" or ", quorum.groupsAt(open)) + "; " + principal.id() + " reviews in a later stage, once it opens");
        }
        return null;
    }

    /**
     * When the open stage started asking its reviewers: when the request was made, or the approval that met the
     * stage before it.
     */
    public static Instant stageOpenedAt(ActionRecord record) {
        if (!(record.decision() instanceof RequireApproval terms)) {
            return record.createdAt();
        }
        List<Map<String, Set<String>>> byStage = terms.quorum().countedByStage(approvers(record));
        if (byStage.size() < 2) {
            return record.createdAt();
        }
        Set<String> metBefore = byStage.get(byStage.size() - 2).keySet();
        return record.reviews().stream().filter(r -> r.decision() == ReviewDecision.APPROVE && metBefore.contains(r.reviewer()))
                .map(Review::at).max(Instant::compareTo).orElse(record.createdAt());
    }

    /** Whether a reminder or an escalation of the open stage is due at {@code now}. */
    public static boolean nudgeDue(ActionRecord record, Instant now) {
        return nudge(record, now) instanceof Applied;
    }

    /**
     * The open stage's escalation (its {@code escalate_to} groups join it), or else its reminder, when it has
     * waited long enough and has not had it yet; each once per stage, each an entry in the log.
     */
    private static Transition nudge(ActionRecord current, Instant now) {
        if (current.status() != Status.PENDING || current.isOverdue(now) || !(current.decision() instanceof RequireApproval terms)
                || terms.nudges() == null) {
            return new Refused(Refusal.NOT_DUE, "nothing is due: the request is not waiting for reviewers with reminders or escalation");
        }
        int open = terms.quorum().openStage(approvers(current));
        Duration waited = Duration.between(stageOpenedAt(current), now);
        var nudges = terms.nudges();
        if (nudges.escalateAfter() != null && nudges.escalated() <= open && waited.compareTo(nudges.escalateAfter()) >= 0) {
            RequireApproval next = terms.escalated(open);
            return new Applied(current.withDecision(Status.PENDING, next, current.expiresAt(), now), null, List.of(new ActionEvent(current.id(),
                    ActionEvent.SYSTEM, now, new AuditEvent.Escalated(current.digest(), open + 1, nudges.escalateTo()))));
        }
        if (nudges.remindAfter() != null && nudges.reminded() <= open && waited.compareTo(nudges.remindAfter()) >= 0) {
            RequireApproval next = terms.reminded(open);
            return new Applied(current.withDecision(Status.PENDING, next, current.expiresAt(), now), null, List.of(new ActionEvent(current.id(),
                    ActionEvent.SYSTEM, now, new AuditEvent.Reminded(current.digest(), open + 1, terms.quorum().groupsAt(open)))));
        }
        return new Refused(Refusal.NOT_DUE, "no reminder or escalation is due yet");
    }

    /** The stage open for review (0-based), or -1 when the request is not held for approvals. */
    public static int openStage(ActionRecord record) {
        return record.decision() instanceof RequireApproval required ? required.quorum().openStage(approvers(record)) : -1;
    }

    /**
     * Why {@code principal} is not one of the request's reviewers at all, whatever its state, or null when
     * they are: a human, no auditor, not behind the request, in a group its quorum takes. Reviews and the
     * review of a break-glass afterwards ask the same.
     */
    private static Refused reviewerRefusal(ActionRecord record, Principal principal) {
        if (!principal.isHuman()) {
            return new Refused(Refusal.NOT_HUMAN, "only humans review; " + principal.id() + " is of kind " + principal.kind().wireName());
        }
        if (principal.has(Principal.Role.AUDITOR)) {
            return new Refused(Refusal.NOT_ELIGIBLE, principal.id() + " is an auditor: auditors read requests and the log, they do not review");
        }
        Requester requester = record.requester();
        if (principal.id().equals(requester.id())) {
            return new Refused(Refusal.SELF_REVIEW, "the requester cannot review their own request");
        }
        if (principal.id().equals(requester.owner())) {
            return new Refused(Refusal.SELF_REVIEW, "the owner of the requesting agent cannot review its requests");
        }
        if (principal.isNamedBy(requester.onBehalfOf())) {
            return new Refused(Refusal.SELF_REVIEW, "the request is made on your behalf, so you cannot review it");
        }
        RequireApproval required = (RequireApproval) record.decision();
        if (!required.quorum().admits(principal.groups())) {
            return new Refused(Refusal.NOT_ELIGIBLE, "reviewers must belong to "
                    + String.join(" or ", required.quorum().requirements().stream()
                    .flatMap(r -> r.from().stream()).sorted().distinct().toList()));
        }
        return null;
    }

    /** The quorum so far in words ({@code 1 approved; needs 2 approval(s) from sre (rule r)}), or null when none is needed. */
    public static String progress(ActionRecord record) {
        if (!(record.decision() instanceof io.countersign.policy.RequireApproval required)) {
            return null;
        }
        var quorum = required.quorum();
        int open = quorum.openStage(approvers(record));
        String stage = quorum.stages() > 1 && open < quorum.stages() ? "; stage " + (open + 1) + " of " + quorum.stages() + " open" : "";
        return approvers(record).size() + " approved" + stage + "; needs " + quorum.describe();
    }

    /** Distinct approving humans and the groups they had when they approved. */
    public static Map<String, Set<String>> approvers(ActionRecord record) {
        Map<String, Set<String>> approvers = new LinkedHashMap<>();
        for (Review review : record.reviews()) {
            if (review.decision() == ReviewDecision.APPROVE) {
                approvers.putIfAbsent(review.reviewer(), review.groups());
            }
        }
        return approvers;
    }

    /**
     * Why {@code delegate} may not review for someone on {@code record}, or null when they may: a human, no
     * auditor, not behind the request, and not already part of a review of it (one person, one judgment).
     */
    private static Refused delegateRefusal(ActionRecord record, Principal delegate) {
        if (!delegate.isHuman() || delegate.has(Principal.Role.AUDITOR)) {
            return new Refused(Refusal.NOT_ELIGIBLE, delegate.id() + " may not review, so may not review for anyone");
        }
        Requester requester = record.requester();
        if (delegate.id().equals(requester.id()) || delegate.id().equals(requester.owner()) || delegate.isNamedBy(requester.onBehalfOf())) {
            return new Refused(Refusal.SELF_REVIEW, delegate.id() + " is behind this request, so may not review it for anyone");
        }
        if (record.reviews().stream().anyMatch(r -> r.involves(delegate.id()))) {
            return new Refused(Refusal.ALREADY_REVIEWED, delegate.id() + " has already reviewed this request");
        }
        return null;
    }

    /** Why {@code by} may not review {@code record} for {@code reviewer} now (null: by themself), or null when they may. */
    public static Refused reviewRefusal(ActionRecord record, Principal reviewer, Principal by, Instant now) {
        Refused refused = reviewRefusal(record, reviewer, now);
        return refused != null || by == null ? refused : delegateRefusal(record, by);
    }

    private static Transition review(ActionRecord current, ReviewSubmitted event, Instant now) {
        Refused refused = reviewRefusal(current, event.reviewer(), event.by(), now);
        if (refused != null) {
            return refused;
        }
        RequireApproval required = (RequireApproval) current.decision();
        String comment = event.comment() == null || event.comment().isBlank() ? null : event.comment().strip();
        if (comment == null && required.justification() == Justification.REQUIRED) {
            return new Refused(Refusal.JUSTIFICATION_REQUIRED, "this request's policy requires a justification (comment) with every review");
        }
        Principal reviewer = event.reviewer();
        Principal by = event.by();
        Review review = new Review(reviewer.id(), reviewer.name(), reviewer.groups(), event.decision(), comment, now,
                by == null ? null : by.id(), by == null ? null : by.name());
        List<Review> reviews = new ArrayList<>(current.reviews());
        reviews.add(review);
        List<ActionEvent> events = new ArrayList<>();
        events.add(new ActionEvent(current.id(), by == null ? reviewer.id() : by.id(), now,
                new AuditEvent.Reviewed(current.digest(), reviewer.id(), event.decision().wireName(), comment, by == null ? null : by.id())));

        Status next = Status.PENDING;
        if (event.decision() == ReviewDecision.DENY && required.quorum().anyDenyEnds()) {
            next = Status.DENIED;
        } else if (event.decision() == ReviewDecision.APPROVE) {
            ActionRecord candidate = current.with(Status.PENDING, reviews, now);
            if (required.quorum().isMetBy(approvers(candidate))) {
                next = Status.APPROVED;
            }
        }
        if (next != Status.PENDING) {
            String reviewers = String.join(",", reviews.stream().map(Review::reviewer).toList());
            events.add(new ActionEvent(current.id(), reviewer.id(), now, next == Status.APPROVED
                    ? new AuditEvent.Approved(current.digest(), reviewers, null, null, now.plus(required.approvalWindow()))
                    : new AuditEvent.Denied(current.digest(), reviewers, null)));
        }
        ActionRecord after = next == Status.APPROVED
                ? current.approved(required, reviews, current.breakGlass(), now.plus(required.approvalWindow()), now)
                : current.with(next, reviews, now);
        return new Applied(after, review, events);
    }

    /**
     * An admin lets a pending request run without the approvals it waits for. It is not a review: it
     * counts toward no quorum, and it is loud: a written justification, its own entry in the log
     * (controls AC-3(10), audited override), and a review afterwards by someone else. It never turns a
     * denial, an expiry or a cancel around, never serves the admin's own request (the requester, the
     * requesting agent's owner, the human it acts for), and never where a rule says {@code break_glass: false}.
     */
    private static Transition breakGlass(ActionRecord current, BreakGlassUsed used, Instant now) {
        Principal admin = used.by();
        Refused refused = breakGlassRefusal(current, admin, now);
        if (refused != null) {
            return refused;
        }
        String justification = used.justification() == null ? "" : used.justification().strip();
        if (justification.length() < BreakGlass.MIN_JUSTIFICATION) {
            return new Refused(Refusal.BREAK_GLASS_JUSTIFICATION_REQUIRED, "break-glass needs a justification of at least " + BreakGlass.MIN_JUSTIFICATION
                    + " characters: why this cannot wait for the approvals its policy asks for");
        }
        RequireApproval terms = (RequireApproval) current.decision();
        var broken = new AuditEvent.BrokeGlass(current.digest(), admin.id(), justification, null, terms.quorum().describe(),
                approvers(current).size(), List.of("nist-800-53:AC-3(10)", "nist-800-53:AC-6(9)", "soc2:CC6.1"));
        Instant approvalExpiresAt = now.plus(terms.approvalWindow());
        var approved = new AuditEvent.Approved(current.digest(), String.join(",", current.reviews().stream().map(Review::reviewer).toList()),
                null, admin.id(), approvalExpiresAt);
        BreakGlass glass = new BreakGlass(admin.id(), admin.name(), justification, now, null);
        return new Applied(current.approved(terms, current.reviews(), glass, approvalExpiresAt, now), null, List.of(
                new ActionEvent(current.id(), admin.id(), now, broken),
                new ActionEvent(current.id(), admin.id(), now, approved)));
    }

    /** Why {@code principal} may not break glass on {@code record} now, or null when they may (with a justification). */
    public static Refused breakGlassRefusal(ActionRecord record, Principal principal, Instant now) {
        if (!principal.isHuman() || !principal.has(Principal.Role.ADMIN)) {
            return new Refused(Refusal.NOT_ADMIN, "only humans with the admin role may break glass; " + principal.id() + " has not got it");
        }
        if (record.status() == Status.EXPIRED || record.isOverdue(now)) {
            return new Refused(Refusal.EXPIRED, "the request expired at " + record.expiresAt());
        }
        if (record.status() != Status.PENDING) {
            return new Refused(Refusal.NOT_PENDING, "break-glass lets through only a request waiting for approval; this one is "
                    + record.status().wireName());
        }
        RequireApproval terms = (RequireApproval) record.decision();
        if (!terms.breakGlass()) {
            return new Refused(Refusal.BREAK_GLASS_FORBIDDEN, "the policy forbids break-glass on this request (rules "
                    + String.join(", ", terms.rules()) + " say break_glass: false); only its approvals can let it run");
        }
        if (record.requester().isBehind(principal)) {
            return new Refused(Refusal.SELF_BREAK_GLASS, principal.id() + " is behind this request (" + record.requester().describe()
                    + "): nobody breaks glass on their own request; another admin can, or its reviewers approve it");
        }
        return null;
    }

    /**
     * Why {@code principal} may not review the break-glass on {@code record} now, or null when they may:
     * someone who could have reviewed the request itself, other than the admin who broke the glass.
     */
    public static Refused breakGlassReviewRefusal(ActionRecord record, Principal principal) {
        BreakGlass glass = record.breakGlass();
        if (glass == null) {
            return new Refused(Refusal.NO_BREAK_GLASS, "no glass was broken on this request, so there is nothing to review afterwards");
        }
        if (!glass.awaitsReview()) {
            return new Refused(Refusal.ALREADY_REVIEWED, "the break-glass on this request was reviewed already by " + glass.review().reviewer()
                    + " (" + glass.review().verdict().wireName() + ")");
        }
        if (principal.id().equals(glass.by())) {
            return new Refused(Refusal.SELF_REVIEW, "whoever broke the glass cannot review it afterwards");
        }
        return reviewerRefusal(record, principal);
    }

    private static Transition reviewBreakGlass(ActionRecord current, BreakGlassReviewed event, Instant now) {
        Refused refused = breakGlassReviewRefusal(current, event.reviewer());
        if (refused != null) {
            return refused;
        }
        String comment = event.comment() == null || event.comment().isBlank() ? null : event.comment().strip();
        if (comment == null && event.verdict() == BreakGlass.Verdict.DISPUTED) {
            return new Refused(Refusal.JUSTIFICATION_REQUIRED, "a disputed break-glass needs a comment: what was wrong with it");
        }
        Principal reviewer = event.reviewer();
        var afterwards = new AuditEvent.BreakGlassReviewed(current.digest(), reviewer.id(), event.verdict().wireName(),
                current.breakGlass().by(), comment);
        BreakGlass reviewed = current.breakGlass().reviewed(new BreakGlass.PostHocReview(reviewer.id(), reviewer.name(), event.verdict(), comment, now));
        return new Applied(current.withBreakGlass(current.status(), reviewed, now), null,
                List.of(new ActionEvent(current.id(), reviewer.id(), now, afterwards)));
    }

    private static Transition cancel(ActionRecord current, Principal by, Instant now) {
        if (!by.id().equals(current.requester().id()) && !by.id().equals(current.requester().owner())) {
            return new Refused(Refusal.NOT_REQUESTER, "only the requester (or the agent's owner) can cancel a request");
        }
        if (current.status() == Status.EXPIRED || current.isOverdue(now)) {
            return new Refused(Refusal.EXPIRED, "the request expired at " + current.expiresAt());
        }
        if (current.status() != Status.PENDING) {
            return new Refused(Refusal.NOT_PENDING, "only pending requests can be cancelled; this one is " + current.status().wireName());
        }
        return new Applied(current.with(Status.CANCELLED, current.reviews(), now), null,
                List.of(new ActionEvent(current.id(), by.id(), now, new AuditEvent.Cancelled(current.digest()))));
    }

    private static Transition expire(ActionRecord current, Instant now) {
        if (!current.isOverdue(now)) {
            return new Refused(Refusal.NOT_DUE, "the request is " + current.status().wireName() + " and not due to expire");
        }
        // Approved, never run: the approval is spent by time, and nothing may fold into it any more.
        var expired = new AuditEvent.Expired(current.digest(), current.expiresAt(), approvers(current).size(),
                current.status() == Status.APPROVED ? Refusal.APPROVAL_EXPIRED.code() : null);
        return new Applied(current.with(Status.EXPIRED, current.reviews(), now), null,
                List.of(new ActionEvent(current.id(), ActionEvent.SYSTEM, now, expired)));
    }

    /**
     * A pending request under a new policy. Now denied: denied, with the reason "policy changed". Otherwise
     * it must meet both the old and the new terms, so a looser policy changes nothing and an allow leaves it
     * pending; unless the deciding rules say {@code relax_pending: approve}: then the new terms replace the
     * old, and a request that already meets them (or is now allowed) is approved.
     */
    private static Transition reevaluate(ActionRecord current, PolicyChanged changed, Instant now) {
        if (current.status() != Status.PENDING || current.isOverdue(now)) {
            return new Refused(Refusal.NOT_PENDING, "the request is no longer pending");
        }
        RequireApproval held = (RequireApproval) current.decision();
        Refused unchanged = new Refused(Refusal.UNCHANGED, "the new policy leaves the request's terms as they are");
        return switch (changed.decision()) {
            case Deny deny -> {
                String reason = "policy changed: " + deny.reason();
                yield settle(current, Status.DENIED, new Deny(deny.rules(), deny.controls(), reason, deny.version()), reason, now);
            }
            case Allow allow -> changed.relax() ? settle(current, Status.APPROVED, allow, "policy changed", now) : unchanged;
            case RequireApproval next -> {
                RequireApproval terms = changed.relax() ? next : held.tightenedBy(next);
                if (terms.sameObligations(held)) {
                    yield unchanged;
                }
                List<String> deniedBy = current.reviews().stream().filter(r -> r.decision() == ReviewDecision.DENY).map(Review::reviewer).toList();
                if (terms.quorum().anyDenyEnds() && !deniedBy.isEmpty()) {
                    // Under the new terms one deny ends the request, and it has one already: it must not be approved,
                    // nor wait for approvals that could no longer count.
                    yield settle(current, Status.DENIED, terms, "policy changed: under the new terms one deny ends the request, and "
                            + String.join(", ", deniedBy) + " denied it", now);
                }
                if (changed.relax()) {
                    yield next.quorum().isMetBy(approvers(current))
                            ? settle(current, Status.APPROVED, next, "policy changed", now)
                            : rehold(current, next, current.createdAt().plus(next.ttl()), "new_terms", now);
                }
                Instant expiresAt = earlier(current.expiresAt(), current.createdAt().plus(next.ttl()));
                yield rehold(current, terms, expiresAt, "stricter", now);
            }
        };
    }

    private static Instant earlier(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Applied rehold(ActionRecord current, RequireApproval terms, Instant expiresAt, String outcome, Instant now) {
        ActionRecord next = current.withDecision(Status.PENDING, terms, expiresAt, now);
        return new Applied(next, null, List.of(reevaluated(current, terms, outcome, next, now)));
    }

    private static Applied settle(ActionRecord current, Status status, Decision decision, String reason, Instant now) {
        // Approved on new terms: the window is the new terms' own, or (settled by an allow) the terms it was held under.
        Duration window = (decision instanceof RequireApproval terms ? terms : (RequireApproval) current.decision()).approvalWindow();
        ActionRecord next = status == Status.APPROVED
                ? current.approved(decision, current.reviews(), current.breakGlass(), now.plus(window), now)
                : current.withDecision(status, decision, current.expiresAt(), now);
        String reviewers = String.join(",", current.reviews().stream().map(Review::reviewer).toList());
        AuditEvent settled = status == Status.APPROVED
                ? new AuditEvent.Approved(current.digest(), reviewers, reason, null, next.expiresAt())
                : new AuditEvent.Denied(current.digest(), reviewers, reason);
        return new Applied(next, null, List.of(
                reevaluated(current, decision, status == Status.DENIED ? "denied" : "approved", next, now),
                new ActionEvent(current.id(), ActionEvent.SYSTEM, now, settled)));
    }

    private static ActionEvent reevaluated(ActionRecord current, Decision decision, String outcome, ActionRecord next, Instant now) {
        return new ActionEvent(current.id(), ActionEvent.SYSTEM, now, new AuditEvent.Reevaluated(current.digest(), decision, outcome,
                current.decision().version().value(), next.status().wireName(), next.expiresAt()));
    }
}
