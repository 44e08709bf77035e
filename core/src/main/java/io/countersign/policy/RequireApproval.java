package io.countersign.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Hold the action until the quorum approves.
 *
 * @param ttl    how long the request may stay pending before it expires
 * @param channels channels to announce the request on ({@code slack:C0PROD}, {@code teams:ops})
 * @param grantTtl how long the grant lives once approved, from the rules' {@code grant_ttl}; null for the server's default
 * @param approvalTtl how long the approval stands once given: an approved action not run by then expires; null for a
 *                    decision made before approvals lapsed, which stands for {@link #DEFAULT_APPROVAL_TTL}
 * @param breakGlass  whether an admin may break glass on the request; false when a matched rule forbids it
 * @param nudges      reminders and escalation while it waits ({@code remind_after}, {@code escalate_after}), or null
 */
public record RequireApproval(List<String> rules, List<String> controls, Quorum quorum, Duration ttl,
                              Justification justification, List<String> channels, PolicyVersion version, Duration grantTtl,
                              Duration approvalTtl, boolean breakGlass, Nudges nudges)
        implements Decision {
    /** How long an approval stands when no rule or policy default says otherwise. */
    public static final Duration DEFAULT_APPROVAL_TTL = Duration.ofHours(1);

    public RequireApproval {
        rules = List.copyOf(rules);
        controls = List.copyOf(controls);
        channels = List.copyOf(channels);
    }

    public RequireApproval(List<String> rules, List<String> controls, Quorum quorum, Duration ttl, Justification justification,
                           List<String> channels, PolicyVersion version, Duration grantTtl, Duration approvalTtl, boolean breakGlass) {
        this(rules, controls, quorum, ttl, justification, channels, version, grantTtl, approvalTtl, breakGlass, null);
    }

    /** The same terms with {@code stage}'s reviewers reminded. */
    public RequireApproval reminded(int stage) {
        return withNudges(nudges.remindedThrough(stage + 1));
    }

    /**
     * The same terms with the {@code escalateTo} groups joining {@code stage}: each of its demands also takes
     * their members (a demand any human meets already does).
     */
    public RequireApproval escalated(int stage) {
        List<ApprovalRequirement> widened = quorum.requirements().stream()
                .map(r -> r.stage() != stage || r.from().isEmpty() ? r : new ApprovalRequirement(r.rule(), r.min(),
                        Set.copyOf(union(List.copyOf(r.from()), nudges.escalateTo())), r.stage(), r.anyOf()))
                .toList();
        return new RequireApproval(rules, controls, new Quorum(widened, quorum.anyDenyEnds()), ttl, justification, channels, version,
                grantTtl, approvalTtl, breakGlass, nudges.escalatedThrough(stage + 1));
    }

    private RequireApproval withNudges(Nudges next) {
        return new RequireApproval(rules, controls, quorum, ttl, justification, channels, version, grantTtl, approvalTtl, breakGlass, next);
    }

    /** How long an approval under these terms stands. */
    public Duration approvalWindow() {
        return approvalTtl != null ? approvalTtl : DEFAULT_APPROVAL_TTL;
    }

    public RequireApproval(List<String> rules, List<String> controls, Quorum quorum, Duration ttl,
                           Justification justification, List<String> channels, PolicyVersion version, Duration grantTtl) {
        this(rules, controls, quorum, ttl, justification, channels, version, grantTtl, DEFAULT_APPROVAL_TTL, true);
    }

    public RequireApproval(List<String> rules, List<String> controls, Quorum quorum, Duration ttl,
                           Justification justification, List<String> channels, PolicyVersion version) {
        this(rules, controls, quorum, ttl, justification, channels, version, null);
    }

    /** The shorter of two grant lifetimes, either of which may be unset (null). */
    static Duration shorterGrantTtl(Duration a, Duration b) {
        return a == null ? b : b == null ? a : a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * The obligations of both this decision and {@code stricter}, which is what a request already held under
     * this decision must meet after a policy change: every requirement of either (less one that another
     * implies: at least as many approvers from the same or fewer groups), the shorter TTLs (pending, approval,
     * grant), a justification if either demands one, any-deny-ends if either says so, and break-glass only if both allow it. Rules, controls and channels are the union;
     * the version is {@code stricter}'s.
     */
    public RequireApproval tightenedBy(RequireApproval stricter) {
        List<ApprovalRequirement> kept = new ArrayList<>(quorum.requirements());
        if (quorum.isStaged() || stricter.quorum.isStaged()) {
            // Stages and alternatives are kept as both rules state them, stage by stage.
            List<ApprovalRequirement> added = stricter.quorum.requirements().stream().filter(r -> !kept.contains(r)).toList();
            if (!added.isEmpty()) {
                List<ApprovalRequirement> combined = Quorum.combine(List.of(quorum.requirements(), added));
                kept.clear();
                kept.addAll(combined);
            }
        } else {
            for (ApprovalRequirement demand : stricter.quorum.requirements()) {
                if (kept.stream().noneMatch(r -> implies(r, demand))) {
                    kept.removeIf(r -> implies(demand, r));
                    kept.add(demand);
                }
            }
        }
        return new RequireApproval(union(rules, stricter.rules), union(controls, stricter.controls),
                new Quorum(kept, quorum.anyDenyEnds() || stricter.quorum.anyDenyEnds()),
                ttl.compareTo(stricter.ttl) <= 0 ? ttl : stricter.ttl,
                justification == Justification.REQUIRED ? justification : stricter.justification,
                union(channels, stricter.channels), stricter.version, shorterGrantTtl(grantTtl, stricter.grantTtl),
                shorterGrantTtl(approvalTtl, stricter.approvalTtl), breakGlass && stricter.breakGlass,
                nudges == null ? stricter.nudges : stricter.nudges == null ? nudges
                        : Nudges.combine(List.of(nudges, stricter.nudges)).remindedThrough(nudges.reminded()).escalatedThrough(nudges.escalated()));
    }

    /** Whether a request held under this decision and one held under {@code other} must meet the same terms. */
    public boolean sameObligations(RequireApproval other) {
        return Set.copyOf(quorum.requirements()).equals(Set.copyOf(other.quorum.requirements()))
                && quorum.anyDenyEnds() == other.quorum.anyDenyEnds()
                && ttl.equals(other.ttl) && justification == other.justification
                && java.util.Objects.equals(grantTtl, other.grantTtl)
                && approvalWindow().equals(other.approvalWindow()) && breakGlass == other.breakGlass;
    }

    /** Whether every set of approvers meeting {@code a} also meets {@code b}. */
    private static boolean implies(ApprovalRequirement a, ApprovalRequirement b) {
        boolean narrower = b.from().isEmpty() || (!a.from().isEmpty() && b.from().containsAll(a.from()));
        return a.min() >= b.min() && narrower;
    }

    private static List<String> union(List<String> first, List<String> second) {
        return List.copyOf(new LinkedHashSet<>(Stream.concat(first.stream(), second.stream()).toList()));
    }
}
