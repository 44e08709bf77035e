package io.countersign.events;

import io.countersign.policy.Decision;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the audit log records, one record per kind: the lifecycle returns these, the store writes them (as
 * {@link EventCodec} encodes them, byte for byte as every earlier version did), and every consumer (chat
 * channels, webhooks, the OCSF export, the evidence report) switches over them. Fields are null where an
 * entry of that kind leaves them out; each one's javadoc says when.
 */
public sealed interface AuditEvent {
    /** The action's digest this event names, or null for events of the whole system (a policy load). */
    default String digest() {
        return switch (this) {
            case Requested e -> e.digest();
            case Decided e -> e.digest();
            case Reviewed e -> e.digest();
            case Approved e -> e.digest();
            case Denied e -> e.digest();
            case Expired e -> e.digest();
            case Cancelled e -> e.digest();
            case BrokeGlass e -> e.digest();
            case BreakGlassReviewed e -> e.digest();
            case Reevaluated e -> e.digest();
            case Claimed e -> e.digest();
            case Executed e -> e.digest();
            case Outcome e -> e.digest();
            case Refused e -> e.digest();
            case RefusalsCoalesced e -> null;
            case PolicyLoaded e -> null;
            case PolicyRejected e -> null;
            case InventoryLoaded e -> null;
            case InventoryRejected e -> null;
            case IdentitiesLoaded e -> null;
            case IdentitiesRejected e -> null;
            case Reminded e -> e.digest();
            case Escalated e -> e.digest();
            case DelegationGranted e -> null;
            case DelegationRevoked e -> null;
            case Oversized e -> null;
        };
    }

    EventType type();

    /**
     * A request arrived ({@code action.requested}).
     *
     * @param resource   {@code type:id}
     * @param ticket     the stated ticket, or null
     * @param onBehalfOf the human the agent says it acts for, or null
     */
    record Requested(String digest, String action, String resource, String summary, String ticket, String onBehalfOf)
            implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.REQUESTED;
        }
    }

    /**
     * Policy decided it ({@code action.decided}).
     *
     * @param status    {@code allowed}, {@code denied} or {@code pending}
     * @param expiresAt when a held request expires; null otherwise
     */
    record Decided(String digest, Decision decision, String status, Instant expiresAt) implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.DECIDED;
        }
    }

    /**
     * One human's review ({@code review.submitted}).
     *
     * @param reviewer      whose review it is: the human whose seat in the quorum it takes
     * @param decision      {@code approve} or {@code deny}
     * @param justification the reviewer's comment, or null
     * @param by            the human who reviewed for {@code reviewer} under a delegation ("by for reviewer"), or null
     */
    record Reviewed(String digest, String reviewer, String decision, String justification, String by) implements AuditEvent {
        /** A review by the reviewer themself. */
        public Reviewed(String digest, String reviewer, String decision, String justification) {
            this(digest, reviewer, decision, justification, null);
        }

        @Override
        public EventType type() {
            return EventType.REVIEWED;
        }
    }

    /**
     * Approved ({@code action.approved}): by its reviews, by broken glass, or by a relaxed policy.
     *
     * @param reviewers         the reviewers so far, comma-separated (as the log has always written them)
     * @param reason            why a policy change approved it, or null
     * @param breakGlass        the admin whose break-glass approved it, or null
     * @param approvalExpiresAt when the approval lapses unused; null in entries written before approvals lapsed
     */
    record Approved(String digest, String reviewers, String reason, String breakGlass, Instant approvalExpiresAt)
            implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.APPROVED;
        }
    }

    /** Denied ({@code action.denied}) by a reviewer, or by a policy change ({@code reason}; null for a reviewer's). */
    record Denied(String digest, String reviewers, String reason) implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.DENIED;
        }
    }

    /**
     * Expired ({@code action.expired}): pending past its expiry, or approved and not run in its window.
     *
     * @param approvals distinct humans who had approved it
     * @param reason    {@code approval_expired} for an approval that lapsed; null for a pending request
     */
    record Expired(String digest, Instant expiresAt, int approvals, String reason) implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.EXPIRED;
        }

        public boolean approvalLapsed() {
            return "approval_expired".equals(reason);
        }
    }

    /** Cancelled by its requester ({@code action.cancelled}). */
    record Cancelled(String digest) implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.CANCELLED;
        }
    }

    /**
     * An admin broke glass ({@code action.break_glass}).
     *
     * @param ownRequest whether it was the admin's own request; written only before that was refused, else null
     * @param bypassed   the quorum it let the request skip, in words
     * @param approvals  how many approvals it had then
     */
    record BrokeGlass(String digest, String admin, String justification, Boolean ownRequest, String bypassed, int approvals,
                      List<String> controls) implements AuditEvent {
        public BrokeGlass {
            controls = List.copyOf(controls);
        }

        @Override
        public EventType type() {
            return EventType.BREAK_GLASS;
        }
    }

    /** Someone reviewed a break-glass afterwards ({@code break_glass.reviewed}); {@code comment} may be null. */
    record BreakGlassReviewed(String digest, String reviewer, String verdict, String admin, String comment) implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.BREAK_GLASS_REVIEWED;
        }
    }

    /**
     * A pending request under a new policy ({@code action.reevaluated}).
     *
     * @param outcome               {@code stricter}, {@code new_terms}, {@code approved} or {@code denied}
     * @param previousPolicyVersion the version it was held under
     * @param status                where it stands now
     * @param expiresAt             its expiry (or approval's end) now, or null
     */
    record Reevaluated(String digest, Decision decision, String outcome, String previousPolicyVersion, String status,
                       Instant expiresAt) implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.REEVALUATED;
        }
    }

    /** A grant was claimed: the action runs now ({@code execution.started}). */
    record Claimed(String digest, String grantId) implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.CLAIMED;
        }
    }

    /** A grant was used, as older logs named it ({@code action.executed}); read, no longer written. */
    record Executed(String digest, String grantId) implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.EXECUTED;
        }
    }

    /** How running it went ({@code action.outcome}): {@code succeeded} or {@code failed}, and a line of detail or null. */
    record Outcome(String digest, String outcome, String detail) implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.OUTCOME;
        }
    }

    /**
     * One refused attempt: {@code grant.refused} (a grant replayed or presented when it may not run) or
     * {@code attempt.refused} (a self-review, an ineligible or late review, a refused break-glass, an unmet
     * {@code require}). Entries written before refusals were coalesced carry only digest, grant id and reason.
     *
     * @param attempt  what was tried ({@code grant}, {@code review}, {@code break_glass}, {@code submit}), or null (older)
     * @param message  what the caller was told, or null (older)
     * @param controls the controls of the rules that held the action, or null (older)
     * @param grantId  the grant presented, for grant refusals; else null
     * @param decision {@code approve} or {@code deny} for a refused review; else null
     * @param action   the action asked for, for a refused submission (which has no action id); else null
     * @param resource {@code type:id}, for a refused submission; else null
     * @param rule     the rule whose {@code require} was not met; else null
     */
    record Refused(EventType type, String digest, String reason, String attempt, String message, List<String> controls,
                   String grantId, String decision, String action, String resource, String rule) implements AuditEvent {
        public Refused {
            if (type != EventType.REFUSED && type != EventType.GRANT_REFUSED) {
                throw new IllegalArgumentException("a refusal is grant.refused or attempt.refused, not " + type.wireName());
            }
            controls = controls == null ? null : List.copyOf(controls);
        }
    }

    /**
     * The refused attempts of one principal and reason in one minute after the first (which has an entry of
     * its own), counted ({@code attempt.refused} or {@code grant.refused} with {@code coalesced: true}).
     *
     * @param byControl how many under each control of the rules that held the actions
     * @param actions   a sample of the actions concerned
     */
    record RefusalsCoalesced(EventType type, String attempt, String reason, int count, Instant from, Instant to,
                             Map<String, Integer> byControl, List<String> actions) implements AuditEvent {
        public RefusalsCoalesced {
            if (type != EventType.REFUSED && type != EventType.GRANT_REFUSED) {
                throw new IllegalArgumentException("coalesced refusals are grant.refused or attempt.refused, not " + type.wireName());
            }
            byControl = Map.copyOf(byControl);
            actions = List.copyOf(actions);
        }
    }

    /** A policy version became active ({@code policy.loaded}); {@code previousVersion} null for the first. */
    record PolicyLoaded(String version, String previousVersion, String trigger, int rules, List<String> files) implements AuditEvent {
        public PolicyLoaded {
            files = List.copyOf(files);
        }

        @Override
        public EventType type() {
            return EventType.POLICY_LOADED;
        }
    }

    /** A changed policy was refused; the active one stays ({@code policy.rejected}). */
    record PolicyRejected(String trigger, String activeVersion, List<String> problems) implements AuditEvent {
        public PolicyRejected {
            problems = List.copyOf(problems);
        }

        @Override
        public EventType type() {
            return EventType.POLICY_REJECTED;
        }
    }

    /** A resource inventory version became active ({@code inventory.loaded}); {@code previousVersion} null for the first. */
    record InventoryLoaded(String version, String previousVersion, String trigger, int entries) implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.INVENTORY_LOADED;
        }
    }

    /**
     * An entry of {@code type} whose detail was larger than an entry can hold (64 KiB), so the log keeps its
     * SHA-256 and size instead: what such an entry reads as.
     */
    record Oversized(EventType type, String sha256, long bytes) implements AuditEvent {
        public static final String OMITTED = "detail larger than an entry can hold";
    }

    /** A changed resource inventory was refused; the active one stays ({@code inventory.rejected}). */
    record InventoryRejected(String trigger, String activeVersion, List<String> problems) implements AuditEvent {
        public InventoryRejected {
            problems = List.copyOf(problems);
        }

        @Override
        public EventType type() {
            return EventType.INVENTORY_REJECTED;
        }
    }

    /**
     * An identities file became active ({@code identities.loaded}): its SHA-256, how many principals it lists
     * (enabled, and disabled), and the previous version (null for the first).
     */
    record IdentitiesLoaded(String version, String previousVersion, String trigger, int principals, int disabled) implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.IDENTITIES_LOADED;
        }
    }

    /** A changed identities file was refused; the one in force stays ({@code identities.rejected}). */
    record IdentitiesRejected(String trigger, String activeVersion, List<String> problems) implements AuditEvent {
        public IdentitiesRejected {
            problems = List.copyOf(problems);
        }

        @Override
        public EventType type() {
            return EventType.IDENTITIES_REJECTED;
        }
    }

    /**
     * {@code from} handed their reviews to {@code to} for {@code [starts, ends)} ({@code delegation.granted}): in that
     * time {@code to} may review for {@code from}, and such a review takes {@code from}'s one seat in a quorum.
     */
    record DelegationGranted(String id, String from, String to, Instant starts, Instant ends, String reason) implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.DELEGATION_GRANTED;
        }
    }

    /** A delegation ended early ({@code delegation.revoked}), by the one who gave it or an admin. */
    record DelegationRevoked(String id, String by) implements AuditEvent {
        @Override
        public EventType type() {
            return EventType.DELEGATION_REVOKED;
        }
    }

    /** A stage's reviewers asked again after {@code remind_after} ({@code review.reminded}); {@code stage} counts from 1. */
    record Reminded(String digest, int stage, List<String> groups) implements AuditEvent {
        public Reminded {
            groups = List.copyOf(groups);
        }

        @Override
        public EventType type() {
            return EventType.REMINDED;
        }
    }

    /** Groups that joined a stage after {@code escalate_after} ({@code review.escalated}); {@code stage} counts from 1. */
    record Escalated(String digest, int stage, List<String> groups) implements AuditEvent {
        public Escalated {
            groups = List.copyOf(groups);
        }

        @Override
        public EventType type() {
            return EventType.ESCALATED;
        }
    }
}
