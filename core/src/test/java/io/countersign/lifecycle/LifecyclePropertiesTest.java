package io.countersign.lifecycle;

import io.countersign.events.EventType;

import static io.countersign.testing.Fixtures.AGENT;
import static io.countersign.testing.Fixtures.ALICE;
import static io.countersign.testing.Fixtures.BOB;
import static io.countersign.testing.Fixtures.CAROL;
import static io.countersign.testing.Fixtures.DAVE;
import static io.countersign.testing.Fixtures.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.lifecycle.LifecycleEvent.BreakGlassReviewed;
import io.countersign.lifecycle.LifecycleEvent.BreakGlassUsed;
import io.countersign.lifecycle.LifecycleEvent.CancelRequested;
import io.countersign.lifecycle.LifecycleEvent.ExpiryDue;
import io.countersign.lifecycle.LifecycleEvent.GrantUsed;
import io.countersign.lifecycle.LifecycleEvent.OutcomeReported;
import io.countersign.lifecycle.LifecycleEvent.PolicyChanged;
import io.countersign.lifecycle.LifecycleEvent.ReviewSubmitted;
import io.countersign.json.ActionDigest;
import io.countersign.model.ActionId;
import io.countersign.model.ActionRequest;
import io.countersign.model.Principal;
import io.countersign.model.Status;
import io.countersign.policy.Allow;
import io.countersign.policy.ApprovalRequirement;
import io.countersign.policy.Decision;
import io.countersign.policy.Deny;
import io.countersign.policy.Justification;
import io.countersign.policy.PolicyVersion;
import io.countersign.policy.Quorum;
import io.countersign.policy.RequireApproval;
import io.countersign.testing.Fixtures;
import io.countersign.testing.Fuzzing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The lifecycle under random histories: any mix of reviews (by anyone: agents, services, the requester,
 * its owner, the human it acts for, eligible and ineligible humans), cancels, expiry, policy changes,
 * grant uses and outcome reports, in any order and at any time. Each event is applied as the store
 * applies it (the new record replaces the old one only when the transition says so), and after every
 * step the record must make sense on its own terms, checked here without the lifecycle's own helpers.
 */
class LifecyclePropertiesTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    private static final Duration TTL = Duration.ofMinutes(15);
    private static final PolicyVersion V1 = new PolicyVersion("sha256:v1");
    private static final PolicyVersion V2 = new PolicyVersion("sha256:v2");
    /** Erin is the human the agent says it acts for: she may never review its request. */
    private static final Principal ERIN = new Principal("erin", Principal.Kind.HUMAN, "Erin", "erin@example.com", Set.of("sre", "security"), null);
    private static final Principal FRANK = new Principal("frank", Principal.Kind.HUMAN, "Frank", "frank@example.com", Set.of("security"), null);
    /** Gail audits: she reads everything and may never review. */
    private static final Principal GAIL = new Principal("gail", Principal.Kind.HUMAN, "Gail", "gail@example.com", Set.of(), null,
            Set.of(Principal.Role.AUDITOR));
    /** Hal is an admin: he may break glass, and reviews like anyone else. */
    private static final Principal HAL = new Principal("hal", Principal.Kind.HUMAN, "Hal", "hal@example.com", Set.of("sre"), null,
            Set.of(Principal.Role.ADMIN));
    private static final List<Principal> CAST = List.of(ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GAIL, HAL, AGENT, SERVICE);
    private static final Set<Status> FINAL = Set.of(Status.DENIED, Status.EXPIRED, Status.CANCELLED, Status.FAILED);

    /** One step of a history: an event, and how long after the start it happens. */
    record Step(LifecycleEvent event, Duration at) {
        @Override
        public String toString() {
            return "+" + at.toSeconds() + "s " + event;
        }
    }

    @Property(tries = 2000, seed = Fuzzing.SEED)
    void noHistoryReachesAnInconsistentRecord(@ForAll("terms") RequireApproval terms, @ForAll("histories") List<Step> history) {
        replay(terms, history);
        Statistics.label("broke glass").coverage(coverage -> {
            coverage.check("unreviewed").count(n -> n >= 20);
            coverage.check("reviewed").count(n -> n >= 20);
        });
    }

    /** The same, for reviews in two or three stages of one demand each, so that many histories get through them. */
    @Property(tries = 1000, seed = Fuzzing.SEED)
    void stagedReviewsAreMetInOrderByDistinctHumans(@ForAll("stagedTerms") RequireApproval terms, @ForAll("histories") List<Step> history) {
        replay(terms, history);
        Statistics.label("approved in stages").coverage(coverage -> coverage.check("yes").count(n -> n >= 20));
    }

    @Provide
    Arbitrary<RequireApproval> stagedTerms() {
        Arbitrary<List<ApprovalRequirement>> stages = Arbitraries.of("sre", "data-owners", "security", "finance").list().ofMinSize(2).ofMaxSize(3)
                .map(groups -> java.util.stream.IntStream.range(0, groups.size())
                        .mapToObj(i -> new ApprovalRequirement("staged", 1, Set.of(groups.get(i)), i, ApprovalRequirement.ALONE)).toList());
        return stages.map(requirements -> new RequireApproval(List.of("staged"), List.of(), new Quorum(requirements, false), TTL,
                Justification.OPTIONAL, List.of(), V1, null, Duration.ofHours(1), true));
    }

    private void replay(RequireApproval terms, List<Step> history) {
        ActionRequest request = Fixtures.onBehalfOf(Fixtures.export("prod", Map.of("data_class", "pii"), "OPS-42"), ERIN.email());
        ActionRecord record = Lifecycle.start(ActionId.newId(T0), Requester.of(AGENT, request), request, ActionDigest.of(request), terms, T0).record();
        Set<String> grantsUsed = new HashSet<>();
        int executedEvents = 0;
        Status lastStatus = record.status();
        for (Step step : history) {
            Transition transition = Lifecycle.transition(record, step.event(), T0.plus(step.at()));
            if (!(transition instanceof Transition.Applied applied)) {
                continue;
            }
            ActionRecord next = applied.next();
            assertThat(next.id()).isEqualTo(record.id());
            assertThat(next.digest()).as("what the action is never changes").isEqualTo(record.digest());
            assertThat(next.reviews()).as("reviews are only ever appended").hasSizeGreaterThanOrEqualTo(record.reviews().size());
            assertThat(next.reviews().subList(0, record.reviews().size())).as("earlier reviews unchanged").isEqualTo(record.reviews());
            int claims = (int) applied.events().stream().filter(e -> e.type() == EventType.CLAIMED).count();
            if (claims > 0 && record.status() == Status.APPROVED) {
                assertThat(T0.plus(step.at())).as("an approval is claimed only while it stands").isBefore(record.expiresAt());
            }
            executedEvents += claims;
            if (next.execution() != null) {
                grantsUsed.add(next.execution().grantId());
            }
            if (FINAL.contains(lastStatus)) {
                assertThat(next.status()).as("a final state stays final, after %s", step).isEqualTo(lastStatus);
            }
            if (record.breakGlass() != null) {
                assertThat(next.breakGlass()).as("a break-glass is never undone").isNotNull();
                assertThat(next.breakGlass().reviewed(null)).as("nor rewritten").isEqualTo(record.breakGlass().reviewed(null));
                if (!record.breakGlass().awaitsReview()) {
                    assertThat(next.breakGlass().review()).as("its review neither").isEqualTo(record.breakGlass().review());
                }
            }
            checkReviews(next);
            checkApproval(next, step);
            record = next;
            lastStatus = next.status();
        }
        Statistics.label("broke glass").collect(record.breakGlass() == null ? "no" : record.breakGlass().awaitsReview() ? "unreviewed" : "reviewed");
        boolean approved = record.breakGlass() == null && record.reviews().stream().anyMatch(r -> r.decision() == ReviewDecision.APPROVE)
                && (record.status() == Status.APPROVED || record.status() == Status.EXECUTED || record.status() == Status.FAILED);
        Statistics.label("approved in stages").collect(terms.quorum().stages() > 1 && approved ? "yes" : "no");
        assertThat(executedEvents).as("runs recorded").isLessThanOrEqualTo(1);
        assertThat(grantsUsed).as("grants used").hasSizeLessThanOrEqualTo(1);
    }

    /** Only eligible humans review, never the requester, its owner or the human it acts for, each once. */
    private static void checkReviews(ActionRecord record) {
        Set<String> reviewers = new HashSet<>();
        for (Review review : record.reviews()) {
            Principal reviewer = CAST.stream().filter(p -> p.id().equals(review.reviewer())).findFirst().orElseThrow();
            assertThat(reviewer.isHuman()).as("%s is human", reviewer.id()).isTrue();
            assertThat(reviewer.id()).as("reviewer").isNotIn(AGENT.id(), AGENT.owner(), ERIN.id());
            assertThat(reviewer.has(Principal.Role.AUDITOR)).as("%s is an auditor", reviewer.id()).isFalse();
            assertThat(reviewers.add(reviewer.id())).as("%s reviewed once", reviewer.id()).isTrue();
        }
    }

    /**
     * Approved (and anything that follows it) only with enough distinct eligible humans for every requirement,
     * or by a human admin's break-glass with a justification, reviewed afterwards by nobody it concerns.
     */
    private static void checkApproval(ActionRecord record, Step step) {
        boolean approvedByPeople = record.status() == Status.APPROVED || record.status() == Status.EXECUTED || record.status() == Status.FAILED;
        if (record.breakGlass() != null) {
            BreakGlass glass = record.breakGlass();
            Principal admin = CAST.stream().filter(p -> p.id().equals(glass.by())).findFirst().orElseThrow();
            assertThat(admin.isHuman() && admin.has(Principal.Role.ADMIN)).as("%s broke glass", admin.id()).isTrue();
            assertThat(glass.justification().strip()).hasSizeGreaterThanOrEqualTo(BreakGlass.MIN_JUSTIFICATION);
            assertThat(glass.at()).as("glass broken only before expiry").isBefore(record.expiresAt());
            assertThat(approvedByPeople || record.approvalLapsed()).as("status %s after break-glass", record.status()).isTrue();
            if (glass.review() != null) {
                assertThat(glass.review().reviewer()).as("reviewed afterwards by").isNotIn(glass.by(), AGENT.id(), AGENT.owner(), ERIN.id(), GAIL.id());
            }
            return;
        }
        // A policy that now allows the request outright approves it without people: nothing to count then.
        if (!approvedByPeople || !(record.decision() instanceof RequireApproval terms)) {
            return;
        }
        if (terms.quorum().isStaged()) {
            checkStages(record, terms, step);
        }
        for (ApprovalRequirement requirement : terms.quorum().isStaged() ? List.<ApprovalRequirement>of() : terms.quorum().requirements()) {
            long distinct = record.reviews().stream()
                    .filter(r -> r.decision() == ReviewDecision.APPROVE)
                    .filter(r -> requirement.from().isEmpty() || r.groups().stream().anyMatch(requirement.from()::contains))
                    .map(Review::reviewer).distinct().count();
            assertThat(distinct).as("approvers for rule %s after %s", requirement.rule(), step).isGreaterThanOrEqualTo(requirement.min());
        }
        if (terms.quorum().anyDenyEnds()) {
            assertThat(record.reviews()).as("approved although someone denied").noneMatch(r -> r.decision() == ReviewDecision.DENY);
        }
        Instant lastApproval = record.reviews().stream().filter(r -> r.decision() == ReviewDecision.APPROVE)
                .map(Review::at).max(Instant::compareTo).orElseThrow();
        assertThat(lastApproval).as("approved only before it expired").isBefore(record.expiresAt());
    }

    /**
     * Approved in stages only as stages allow: each stage met by its own approvers (no human counted in two),
     * every clause of it met (one alternative of an any_of), and each stage's approvals after the earlier one's.
     */
    private static void checkStages(ActionRecord record, RequireApproval terms, Step step) {
        List<Map<String, Set<String>>> stages = terms.quorum().countedByStage(Lifecycle.approvers(record));
        assertThat(stages).as("every stage met after %s", step).hasSizeGreaterThan(terms.quorum().stages());
        Set<String> seen = new HashSet<>();
        Instant previousStageEnded = Instant.MIN;
        for (int stage = 0; stage < terms.quorum().stages(); stage++) {
            Map<String, Set<String>> counted = stages.get(stage);
            for (String approver : counted.keySet()) {
                assertThat(seen.add(approver)).as("%s counted in two stages", approver).isTrue();
            }
            int at = stage;
            Map<Integer, Boolean> clauses = new java.util.HashMap<>();
            int alone = 1000;
            for (ApprovalRequirement r : terms.quorum().requirements()) {
                if (r.stage() != at) {
                    continue;
                }
                long approvers = counted.values().stream().filter(groups -> r.from().isEmpty() || groups.stream().anyMatch(r.from()::contains)).count();
                int clause = r.anyOf() == ApprovalRequirement.ALONE ? alone++ : r.anyOf();
                clauses.merge(clause, approvers >= r.min(), Boolean::logicalOr);
            }
            assertThat(clauses.values()).as("stage %d's demands after %s", stage + 1, step).doesNotContain(false);
            List<Instant> times = record.reviews().stream().filter(r -> counted.containsKey(r.reviewer())).map(Review::at).toList();
            Instant earlierMet = previousStageEnded;
            assertThat(times).as("stage %d approved after stage %d was met", stage + 1, stage).allMatch(t -> !t.isBefore(earlierMet));
            previousStageEnded = times.stream().max(Instant::compareTo).orElse(previousStageEnded);
        }
    }

    @Provide
    Arbitrary<RequireApproval> terms() {
        Arbitrary<ApprovalRequirement> requirement = Combinators.combine(
                Arbitraries.of("pii", "prod", "sec"), Arbitraries.integers().between(1, 3),
                Arbitraries.subsetOf("sre", "data-owners", "security", "finance"),
                Arbitraries.of(0, 0, 1, 1, 2), Arbitraries.of(ApprovalRequirement.ALONE, ApprovalRequirement.ALONE, 0))
                .as((rule, min, from, stage, anyOf) -> new ApprovalRequirement(rule, min, from, stage, anyOf));
        // Approvals that lapse within the histories' time, and one that outlasts them.
        Arbitrary<Duration> approvalTtl = Arbitraries.of(Duration.ofSeconds(60), Duration.ofMinutes(5), Duration.ofHours(1));
        return Combinators.combine(requirement.list().ofMinSize(1).ofMaxSize(3), Arbitraries.of(true, false),
                        Arbitraries.of(Justification.OPTIONAL, Justification.REQUIRED), approvalTtl)
                .as((requirements, anyDenyEnds, justification, window) -> new RequireApproval(List.of("pii"), List.of(),
                        new Quorum(denseStages(requirements), anyDenyEnds), TTL, justification, List.of(), V1, null, window, true));
    }

    /** Stages numbered without gaps, as the policy loader numbers them. */
    private static List<ApprovalRequirement> denseStages(List<ApprovalRequirement> requirements) {
        List<Integer> used = requirements.stream().map(ApprovalRequirement::stage).distinct().sorted().toList();
        return requirements.stream().map(r -> new ApprovalRequirement(r.rule(), r.min(), r.from(), used.indexOf(r.stage()), r.anyOf())).toList();
    }

    @Provide
    Arbitrary<List<Step>> histories() {
        return step().list().ofMinSize(1).ofMaxSize(24).map(steps -> {
            List<Step> ordered = new ArrayList<>(steps);
            ordered.sort(java.util.Comparator.comparing(Step::at));
            return ordered;
        });
    }

    private Arbitrary<Step> step() {
        Arbitrary<Principal> anyone = Arbitraries.of(CAST);
        Arbitrary<String> comment = Arbitraries.of(null, "", "  ", "looks right", "no: wrong table");
        Arbitrary<LifecycleEvent> review = Combinators.combine(anyone, Arbitraries.of(ReviewDecision.class), comment)
                .as(ReviewSubmitted::new);
        Arbitrary<LifecycleEvent> cancel = anyone.map(CancelRequested::new);
        Arbitrary<LifecycleEvent> expiry = Arbitraries.just(new ExpiryDue());
        Arbitrary<LifecycleEvent> policy = Combinators.combine(policyNow(), Arbitraries.of(true, false)).as(PolicyChanged::new);
        Arbitrary<String> grant = Arbitraries.of("grt_a", "grt_b");
        Arbitrary<LifecycleEvent> use = Combinators.combine(anyone, grant, policyNow()).as(GrantUsed::new);
        Arbitrary<LifecycleEvent> report = Combinators.combine(anyone, grant, Arbitraries.of(Execution.Outcome.class))
                .as((by, id, outcome) -> new OutcomeReported(by, id, outcome, null));
        // Mostly the admin, with a justification long enough, so that histories go on past broken glass.
        Arbitrary<Principal> mostlyTheAdmin = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(HAL)), Tuple.of(1, anyone));
        Arbitrary<String> justification = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.of(null, "", "urgent")),
                Tuple.of(3, Arbitraries.just("prod is down, approvers asleep")));
        Arbitrary<LifecycleEvent> breakGlass = Combinators.combine(mostlyTheAdmin, justification).as(BreakGlassUsed::new);
        Arbitrary<LifecycleEvent> afterwards = Combinators.combine(anyone, Arbitraries.of(BreakGlass.Verdict.class), comment)
                .as(BreakGlassReviewed::new);
        Arbitrary<LifecycleEvent> event = Arbitraries.frequencyOf(
                Tuple.of(8, review), Tuple.of(1, cancel), Tuple.of(1, expiry), Tuple.of(1, policy), Tuple.of(2, use), Tuple.of(2, report),
                Tuple.of(1, breakGlass), Tuple.of(2, afterwards));
        // Mostly within the TTL, sometimes past it.
        Arbitrary<Duration> at = Arbitraries.longs().between(0, TTL.toSeconds() + 120).map(Duration::ofSeconds);
        return Combinators.combine(event, at).as(Step::new);
    }

    /** What the policy in force later says of the same request. */
    private Arbitrary<Decision> policyNow() {
        Arbitrary<Decision> stricter = Arbitraries.integers().between(1, 4).map(min -> new RequireApproval(List.of("pii"), List.of(),
                new Quorum(List.of(new ApprovalRequirement("pii", min, Set.of("sre", "data-owners"))), true), TTL,
                Justification.OPTIONAL, List.of(), V2));
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(new Allow(List.of("open"), List.of(), V2))),
                Tuple.of(1, Arbitraries.just(new Deny(List.of("closed"), List.of(), "closed now", V2))),
                Tuple.of(2, stricter));
    }
}
