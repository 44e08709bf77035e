package io.countersign.lifecycle;

import io.countersign.events.AuditEvent;

import io.countersign.events.ActionEvent;
import io.countersign.events.EventType;

import static io.countersign.testing.Fixtures.AGENT;
import static io.countersign.testing.Fixtures.ALICE;
import static io.countersign.testing.Fixtures.BOB;
import static io.countersign.testing.Fixtures.CAROL;
import static io.countersign.testing.Fixtures.DAVE;
import static io.countersign.testing.Fixtures.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.lifecycle.LifecycleEvent.CancelRequested;
import io.countersign.lifecycle.LifecycleEvent.ExpiryDue;
import io.countersign.lifecycle.LifecycleEvent.ReviewSubmitted;
import io.countersign.lifecycle.Transition.Applied;
import io.countersign.lifecycle.Transition.Refused;
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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The lifecycle rules as a table: (state, event, principal) → outcome. */
class LifecycleTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    private static final PolicyVersion V = new PolicyVersion("sha256:test");
    private static final ActionRequest EXPORT = Fixtures.export("prod", Map.of("data_class", "pii"), "OPS-42");

    private static RequireApproval twoFromSreOrOwners(Justification justification, boolean anyDenyEnds) {
        return new RequireApproval(List.of("pii"), List.of(),
                new Quorum(List.of(new ApprovalRequirement("pii", 2, Set.of("sre", "data-owners"))), anyDenyEnds),
                Duration.ofMinutes(15), justification, List.of(), V);
    }

    private static ActionRecord pending(Decision decision, ActionRequest request) {
        return Lifecycle.start(ActionId.newId(T0), Requester.of(AGENT, request), request, ActionDigest.of(request), decision, T0).record();
    }

    private static ActionRecord pending() {
        return pending(twoFromSreOrOwners(Justification.OPTIONAL, true), EXPORT);
    }

    private static ActionRecord after(ActionRecord record, Principal reviewer, ReviewDecision decision) {
        return ((Applied) Lifecycle.transition(record, new ReviewSubmitted(reviewer, decision, "looked at it"), T0.plusSeconds(1))).next();
    }

    static Stream<Arguments> reviewRefusals() {
        ActionRecord pending = pending();
        ActionRecord approvedOnce = after(pending, ALICE, ReviewDecision.APPROVE);
        ActionRecord denied = after(pending, ALICE, ReviewDecision.DENY);
        ActionRecord onBehalf = pending(twoFromSreOrOwners(Justification.OPTIONAL, true), Fixtures.onBehalfOf(EXPORT, "BOB@example.com"));
        return Stream.of(
                Arguments.of("agent cannot review", pending, AGENT, Refusal.NOT_HUMAN),
                Arguments.of("service cannot review", pending, SERVICE, Refusal.NOT_HUMAN),
                Arguments.of("agent's owner cannot review", pending, CAROL, Refusal.SELF_REVIEW),
                Arguments.of("human named in on_behalf_of cannot review", onBehalf, BOB, Refusal.SELF_REVIEW),
                Arguments.of("human outside the groups cannot review", pending, DAVE, Refusal.NOT_ELIGIBLE),
                Arguments.of("same human cannot review twice", approvedOnce, ALICE, Refusal.ALREADY_REVIEWED),
                Arguments.of("decided request cannot be reviewed", denied, BOB, Refusal.NOT_PENDING));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reviewRefusals")
    void reviewIsRefused(String name, ActionRecord record, Principal reviewer, Refusal expected) {
        Transition result = Lifecycle.transition(record, new ReviewSubmitted(reviewer, ReviewDecision.APPROVE, "ok"), T0.plusSeconds(2));
        assertThat(result).isInstanceOfSatisfying(Refused.class, r -> assertThat(r.reason()).isEqualTo(expected));
    }

    @Test
    void requesterCannotReviewOwnRequest() {
        ActionRecord byAlice = Lifecycle.start(ActionId.newId(T0), Requester.of(ALICE, EXPORT), EXPORT, ActionDigest.of(EXPORT),
                twoFromSreOrOwners(Justification.OPTIONAL, true), T0).record();
        assertThat(Lifecycle.transition(byAlice, new ReviewSubmitted(ALICE, ReviewDecision.APPROVE, "mine"), T0))
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.reason()).isEqualTo(Refusal.SELF_REVIEW));
    }

    @Test
    void anAuditorNeverReviewsNotEvenWhereAnyHumanMay() {
        ActionRecord anyHuman = pending(new RequireApproval(List.of("any"), List.of(),
                new Quorum(List.of(new ApprovalRequirement("any", 1, Set.of())), true), Duration.ofMinutes(15),
                Justification.OPTIONAL, List.of(), V), EXPORT);
        Principal auditor = new Principal("gail", Principal.Kind.HUMAN, "Gail", null, Set.of(), null, Set.of(Principal.Role.AUDITOR));
        Principal nobody = new Principal("hal", Principal.Kind.HUMAN, "Hal", null, Set.of(), null);
        assertThat(Lifecycle.transition(anyHuman, new ReviewSubmitted(nobody, ReviewDecision.APPROVE, "fine"), T0.plusSeconds(1)))
                .as("a human in no group may approve where any human may").isInstanceOf(Applied.class);
        Transition t = Lifecycle.transition(anyHuman, new ReviewSubmitted(auditor, ReviewDecision.APPROVE, "fine"), T0.plusSeconds(1));
        assertThat(t).isInstanceOfSatisfying(Refused.class, r -> {
            assertThat(r.reason()).isEqualTo(Refusal.NOT_ELIGIBLE);
            assertThat(r.message()).contains("auditors read requests and the log, they do not review");
        });
    }

    @Test
    void anApprovalStandsForItsWindowThenExpiresUnrunAndNothingRunsOnIt() {
        RequireApproval terms = new RequireApproval(List.of("pii"), List.of(),
                new Quorum(List.of(new ApprovalRequirement("pii", 1, Set.of("sre"))), true), Duration.ofMinutes(15),
                Justification.OPTIONAL, List.of(), V, null, Duration.ofMinutes(10), true);
        ActionRecord approved = after(pending(terms, EXPORT), ALICE, ReviewDecision.APPROVE);
        Instant approvedAt = T0.plusSeconds(1);
        assertThat(approved.status()).isEqualTo(Status.APPROVED);
        assertThat(approved.expiresAt()).as("the approval's window, from when it was given").isEqualTo(approvedAt.plus(Duration.ofMinutes(10)));
        assertThat(approved.isOverdue(approvedAt.plus(Duration.ofMinutes(10)).minusMillis(1))).isFalse();
        assertThat(approved.isOverdue(approvedAt.plus(Duration.ofMinutes(10)))).isTrue();

        Applied expired = (Applied) Lifecycle.transition(approved, new ExpiryDue(), approvedAt.plus(Duration.ofMinutes(10)));
        assertThat(expired.next().status()).isEqualTo(Status.EXPIRED);
        assertThat(expired.next().approvalLapsed()).isTrue();
        assertThat(expired.events()).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(EventType.EXPIRED);
            assertThat(((AuditEvent.Expired) e.event()).approvalLapsed()).isTrue();
            assertThat(((AuditEvent.Expired) e.event()).approvals()).isEqualTo(1);
        });
        assertThat(Lifecycle.transition(expired.next(), new LifecycleEvent.GrantUsed(AGENT, "gr_1", new Allow(List.of(), List.of(), V)),
                approvedAt.plus(Duration.ofMinutes(11)))).isInstanceOfSatisfying(Refused.class,
                r -> assertThat(r.reason()).isEqualTo(Refusal.APPROVAL_EXPIRED));
        assertThat(Lifecycle.transition(expired.next(), new LifecycleEvent.OutcomeReported(AGENT, "gr_1", Execution.Outcome.SUCCEEDED, null),
                approvedAt.plus(Duration.ofMinutes(11)))).isInstanceOfSatisfying(Refused.class,
                r -> assertThat(r.reason()).isEqualTo(Refusal.APPROVAL_EXPIRED));
        // A request that expired pending never had an approval to lapse.
        ActionRecord expiredPending = ((Applied) Lifecycle.transition(pending(terms, EXPORT), new ExpiryDue(), T0.plus(Duration.ofMinutes(15)))).next();
        assertThat(expiredPending.approvalLapsed()).isFalse();
        assertThat(((Applied) Lifecycle.transition(pending(terms, EXPORT), new ExpiryDue(), T0.plus(Duration.ofMinutes(15))))
                .events().getFirst().event()).isInstanceOfSatisfying(AuditEvent.Expired.class, e -> assertThat(e.reason()).isNull());
    }

    @Test
    void anApprovalThatRanDoesNotExpire() {
        ActionRecord approved = after(after(pending(), ALICE, ReviewDecision.APPROVE), BOB, ReviewDecision.APPROVE);
        ActionRecord running = ((Applied) use(approved, new Allow(List.of(), List.of(), V))).next();
        assertThat(running.isOverdue(T0.plus(Duration.ofDays(3)))).isFalse();
        assertThat(Lifecycle.transition(running, new ExpiryDue(), T0.plus(Duration.ofDays(3)))).isInstanceOfSatisfying(Refused.class,
                r -> assertThat(r.reason()).isEqualTo(Refusal.NOT_DUE));
    }

    @Test
    void approvedByARelaxedPolicyTheApprovalHasAWindowToo() {
        ActionRecord once = after(pending(), ALICE, ReviewDecision.APPROVE);
        Instant now = T0.plusSeconds(3);
        Applied settled = (Applied) Lifecycle.transition(once, new LifecycleEvent.PolicyChanged(new Allow(List.of(), List.of(), V), true), now);
        assertThat(settled.next().status()).isEqualTo(Status.APPROVED);
        assertThat(settled.next().expiresAt()).isEqualTo(now.plus(RequireApproval.DEFAULT_APPROVAL_TTL));
    }

    @Test
    void quorumOfTwoNeedsTwoDistinctHumans() {
        ActionRecord once = after(pending(), ALICE, ReviewDecision.APPROVE);
        assertThat(once.status()).isEqualTo(Status.PENDING);
        ActionRecord twice = after(once, BOB, ReviewDecision.APPROVE);
        assertThat(twice.status()).isEqualTo(Status.APPROVED);
        assertThat(twice.reviews()).extracting(Review::reviewer).containsExactly("alice", "bob");
        assertThat(twice.version()).isEqualTo(3);
    }

    @Test
    void onePersonInTwoGroupsCountsOnce() {
        ActionRecord byService = Lifecycle.start(ActionId.newId(T0), Requester.of(SERVICE, EXPORT), EXPORT, ActionDigest.of(EXPORT),
                twoFromSreOrOwners(Justification.OPTIONAL, true), T0).record();
        ActionRecord carolApproved = after(byService, CAROL, ReviewDecision.APPROVE);
        assertThat(carolApproved.status()).isEqualTo(Status.PENDING);
        assertThat(Lifecycle.approvers(carolApproved)).hasSize(1);
    }

    @Test
    void everyRequirementMustBeMet() {
        RequireApproval twoRules = new RequireApproval(List.of("sre-rule", "owners-rule"), List.of(),
                new Quorum(List.of(new ApprovalRequirement("sre-rule", 1, Set.of("sre")),
                        new ApprovalRequirement("owners-rule", 1, Set.of("data-owners"))), true),
                Duration.ofMinutes(5), Justification.OPTIONAL, List.of(), V);
        ActionRecord sreOnly = after(pending(twoRules, EXPORT), ALICE, ReviewDecision.APPROVE);
        assertThat(sreOnly.status()).isEqualTo(Status.PENDING);
        assertThat(after(sreOnly, BOB, ReviewDecision.APPROVE).status()).isEqualTo(Status.APPROVED);
    }

    @Test
    void anyDenyEndsTheRequest() {
        ActionRecord denied = after(after(pending(), ALICE, ReviewDecision.APPROVE), BOB, ReviewDecision.DENY);
        assertThat(denied.status()).isEqualTo(Status.DENIED);
    }

    @Test
    void denyDoesNotEndTheRequestWhenTheRuleSaysSo() {
        ActionRecord record = pending(twoFromSreOrOwners(Justification.OPTIONAL, false), EXPORT);
        ActionRecord afterDeny = after(record, ALICE, ReviewDecision.DENY);
        assertThat(afterDeny.status()).isEqualTo(Status.PENDING);
        Principal erin = new Principal("erin", Principal.Kind.HUMAN, "Erin", null, Set.of("sre"), null);
        assertThat(after(after(afterDeny, BOB, ReviewDecision.APPROVE), erin, ReviewDecision.APPROVE).status()).isEqualTo(Status.APPROVED);
    }

    @Test
    void justificationRequiredRefusesABlankComment() {
        ActionRecord record = pending(twoFromSreOrOwners(Justification.REQUIRED, true), EXPORT);
        assertThat(Lifecycle.transition(record, new ReviewSubmitted(ALICE, ReviewDecision.APPROVE, "  "), T0))
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.reason()).isEqualTo(Refusal.JUSTIFICATION_REQUIRED));
        assertThat(Lifecycle.transition(record, new ReviewSubmitted(ALICE, ReviewDecision.APPROVE, "ticket OPS-42 checked"), T0))
                .isInstanceOf(Applied.class);
    }

    @Test
    void reviewAfterExpiryIsRefused() {
        Transition result = Lifecycle.transition(pending(), new ReviewSubmitted(ALICE, ReviewDecision.APPROVE, "late"), T0.plus(Duration.ofMinutes(15)));
        assertThat(result).isInstanceOfSatisfying(Refused.class, r -> assertThat(r.reason()).isEqualTo(Refusal.EXPIRED));
    }

    @Test
    void expiryAppliesOnlyWhenDue() {
        assertThat(Lifecycle.transition(pending(), new ExpiryDue(), T0.plus(Duration.ofMinutes(14))))
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.reason()).isEqualTo(Refusal.NOT_DUE));
        Transition due = Lifecycle.transition(pending(), new ExpiryDue(), T0.plus(Duration.ofMinutes(15)));
        assertThat(due).isInstanceOfSatisfying(Applied.class, a -> {
            assertThat(a.next().status()).isEqualTo(Status.EXPIRED);
            assertThat(a.events()).extracting(ActionEvent::type).containsExactly(EventType.EXPIRED);
        });
    }

    @Test
    void expiredRequestCannotBeRevived() {
        ActionRecord expired = ((Applied) Lifecycle.transition(pending(), new ExpiryDue(), T0.plus(Duration.ofHours(1)))).next();
        assertThat(Lifecycle.transition(expired, new ReviewSubmitted(ALICE, ReviewDecision.APPROVE, "x"), T0.plus(Duration.ofHours(1))))
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.reason()).isEqualTo(Refusal.EXPIRED));
        assertThat(Lifecycle.transition(expired, new CancelRequested(AGENT), T0.plus(Duration.ofHours(1))))
                .isInstanceOf(Refused.class);
        assertThat(Lifecycle.transition(expired, new ExpiryDue(), T0.plus(Duration.ofHours(2)))).isInstanceOf(Refused.class);
    }

    @Test
    void onlyTheRequesterOrOwnerCancels() {
        assertThat(Lifecycle.transition(pending(), new CancelRequested(ALICE), T0))
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.reason()).isEqualTo(Refusal.NOT_REQUESTER));
        assertThat(Lifecycle.transition(pending(), new CancelRequested(AGENT), T0))
                .isInstanceOfSatisfying(Applied.class, a -> assertThat(a.next().status()).isEqualTo(Status.CANCELLED));
        assertThat(Lifecycle.transition(pending(), new CancelRequested(CAROL), T0)).isInstanceOf(Applied.class);
    }

    @Test
    void decidedRequestCannotBeCancelled() {
        ActionRecord approved = after(after(pending(), ALICE, ReviewDecision.APPROVE), BOB, ReviewDecision.APPROVE);
        assertThat(Lifecycle.transition(approved, new CancelRequested(AGENT), T0))
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.reason()).isEqualTo(Refusal.NOT_PENDING));
    }

    @Test
    void startMapsEveryDecisionToItsStatus() {
        assertThat(pending(new Allow(List.of("r"), List.of(), V), EXPORT).status()).isEqualTo(Status.ALLOWED);
        assertThat(pending(new Deny(List.of("r"), List.of(), "no", V), EXPORT).status()).isEqualTo(Status.DENIED);
        ActionRecord held = pending();
        assertThat(held.status()).isEqualTo(Status.PENDING);
        assertThat(held.expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(15)));
    }

    @Test
    void approvalRecordsReviewAndOutcomeEvents() {
        ActionRecord once = after(pending(), ALICE, ReviewDecision.APPROVE);
        Transition last = Lifecycle.transition(once, new ReviewSubmitted(BOB, ReviewDecision.APPROVE, "fine"), T0.plusSeconds(3));
        assertThat(last).isInstanceOfSatisfying(Applied.class, a -> {
            assertThat(a.review().reviewer()).isEqualTo("bob");
            assertThat(a.events()).extracting(ActionEvent::type).containsExactly(EventType.REVIEWED, EventType.APPROVED);
            assertThat(((AuditEvent.Reviewed) a.events().getFirst().event()).justification()).isEqualTo("fine");
        });
    }

    private static final PolicyVersion V2 = new PolicyVersion("sha256:new");

    private static Transition policyChanged(ActionRecord record, Decision decision, boolean relax) {
        return Lifecycle.transition(record, new LifecycleEvent.PolicyChanged(decision, relax), T0.plusSeconds(5));
    }

    private static RequireApproval approvals(String rule, int min, Duration ttl, String... groups) {
        return new RequireApproval(List.of(rule), List.of(), new Quorum(List.of(new ApprovalRequirement(rule, min, Set.of(groups))), true),
                ttl, Justification.OPTIONAL, List.of(), V2);
    }

    @Test
    void policyChangeThatDeniesEndsThePendingRequest() {
        Transition t = policyChanged(pending(), new Deny(List.of("freeze"), List.of(), "change freeze", V2), false);
        assertThat(t).isInstanceOfSatisfying(Applied.class, a -> {
            assertThat(a.next().status()).isEqualTo(Status.DENIED);
            assertThat(((Deny) a.next().decision()).reason()).isEqualTo("policy changed: change freeze");
            assertThat(a.events()).extracting(ActionEvent::type).containsExactly(EventType.REEVALUATED, EventType.DENIED);
            assertThat(((AuditEvent.Reevaluated) a.events().getFirst().event()).previousPolicyVersion()).isEqualTo(V.value());
        });
    }

    @Test
    void stricterPolicyAddsItsTermsToTheOldOnes() {
        ActionRecord once = after(pending(), ALICE, ReviewDecision.APPROVE);
        Transition t = policyChanged(once, approvals("pii", 3, Duration.ofMinutes(5), "sre", "data-owners"), false);
        assertThat(t).isInstanceOfSatisfying(Applied.class, a -> {
            assertThat(a.next().status()).isEqualTo(Status.PENDING);
            RequireApproval terms = (RequireApproval) a.next().decision();
            assertThat(terms.quorum().requirements()).containsExactly(new ApprovalRequirement("pii", 3, Set.of("sre", "data-owners")));
            assertThat(terms.version()).isEqualTo(V2);
            assertThat(a.next().expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
            assertThat(a.next().reviews()).hasSize(1); // alice's approval still counts
        });
        // Bob's approval alone would have met the old quorum; now a third is needed.
        ActionRecord stricter = ((Applied) t).next();
        ActionRecord twice = after(stricter, BOB, ReviewDecision.APPROVE);
        assertThat(twice.status()).isEqualTo(Status.PENDING);
        Principal erin = new Principal("erin", Principal.Kind.HUMAN, "Erin", null, Set.of("sre"), null);
        assertThat(after(twice, erin, ReviewDecision.APPROVE).status()).isEqualTo(Status.APPROVED);
    }

    @Test
    void newTermsWhereOneDenyEndsDenyARequestSomeoneAlreadyDenied() {
        // Found by LifecyclePropertiesTest: the old terms let a deny stand without ending the request; the new
        // ones end it at one deny, so it must not be approved by the approvals it has, nor wait for more.
        ActionRecord lenient = pending(new RequireApproval(List.of("pii"), List.of(),
                new Quorum(List.of(new ApprovalRequirement("pii", 2, Set.of("sre", "data-owners"))), false),
                Duration.ofMinutes(15), Justification.OPTIONAL, List.of(), V), EXPORT);
        ActionRecord contested = after(after(lenient, ALICE, ReviewDecision.APPROVE), BOB, ReviewDecision.DENY);
        assertThat(contested.status()).isEqualTo(Status.PENDING);
        for (boolean relax : new boolean[] {true, false}) {
            assertThat(policyChanged(contested, approvals("pii", 1, Duration.ofMinutes(15), "sre"), relax)).as("relax %s", relax)
                    .isInstanceOfSatisfying(Applied.class, a -> {
                        assertThat(a.next().status()).isEqualTo(Status.DENIED);
                        assertThat(a.events()).extracting(ActionEvent::type).containsExactly(EventType.REEVALUATED, EventType.DENIED);
                        assertThat(((AuditEvent.Denied) a.events().getLast().event()).reason()).contains("bob denied it");
                    });
        }
    }

    @Test
    void looserPolicyLeavesTheRequestPendingUnlessItsRulesSayRelax() {
        ActionRecord once = after(pending(), ALICE, ReviewDecision.APPROVE);
        Allow allow = new Allow(List.of("open"), List.of(), V2);
        assertThat(policyChanged(once, allow, false)).isInstanceOfSatisfying(Refused.class,
                r -> assertThat(r.reason()).isEqualTo(Refusal.UNCHANGED));
        assertThat(policyChanged(once, approvals("pii", 1, Duration.ofMinutes(15), "sre", "data-owners"), false))
                .isInstanceOf(Refused.class);
        // Fewer approvers but only from sre: a new demand, added to the old one.
        assertThat(policyChanged(once, approvals("pii", 1, Duration.ofMinutes(15), "sre"), false))
                .isInstanceOfSatisfying(Applied.class, a -> assertThat(((RequireApproval) a.next().decision()).quorum()
                        .requirements()).hasSize(2));
        assertThat(policyChanged(once, allow, true)).isInstanceOfSatisfying(Applied.class, a -> {
            assertThat(a.next().status()).isEqualTo(Status.APPROVED);
            assertThat(a.events()).extracting(ActionEvent::type).containsExactly(EventType.REEVALUATED, EventType.APPROVED);
        });
        // One approval meets the relaxed quorum of one: approved at once.
        assertThat(policyChanged(once, approvals("pii", 1, Duration.ofMinutes(15), "sre"), true))
                .isInstanceOfSatisfying(Applied.class, a -> assertThat(a.next().status()).isEqualTo(Status.APPROVED));
        // Relaxed but not yet met: the new terms apply, still pending.
        assertThat(policyChanged(pending(), approvals("pii", 1, Duration.ofHours(1), "sre"), true))
                .isInstanceOfSatisfying(Applied.class, a -> {
                    assertThat(a.next().status()).isEqualTo(Status.PENDING);
                    assertThat(((RequireApproval) a.next().decision()).quorum().largestMin()).isEqualTo(1);
                    assertThat(a.next().expiresAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
                });
    }

    @Test
    void policyChangeLeavesSettledRequestsAlone() {
        ActionRecord denied = after(pending(), ALICE, ReviewDecision.DENY);
        assertThat(policyChanged(denied, new Allow(List.of(), List.of(), V2), true)).isInstanceOfSatisfying(Refused.class,
                r -> assertThat(r.reason()).isEqualTo(Refusal.NOT_PENDING));
    }

    private static Transition use(ActionRecord record, Decision policyNow) {
        return Lifecycle.transition(record, new LifecycleEvent.GrantUsed(AGENT, "gr_1", policyNow), T0.plusSeconds(5));
    }

    static Stream<Arguments> grantUses() {
        ActionRecord approved = after(after(pending(), ALICE, ReviewDecision.APPROVE), BOB, ReviewDecision.APPROVE);
        ActionRecord allowed = pending(new Allow(List.of("reads"), List.of(), V), EXPORT);
        Allow allowNow = new Allow(List.of(), List.of(), V2);
        ActionRecord used = ((Applied) use(approved, allowNow)).next();
        ActionRecord lapsed = ((Applied) Lifecycle.transition(approved, new ExpiryDue(), T0.plus(Duration.ofHours(2)))).next();
        return Stream.of(
                Arguments.of("approved, but the approval lapsed unused", lapsed, allowNow, Refusal.APPROVAL_EXPIRED),
                Arguments.of("approved, policy unchanged", approved, twoFromSreOrOwners(Justification.OPTIONAL, true), null),
                Arguments.of("approved, policy now allows outright", approved, allowNow, null),
                Arguments.of("approved, policy now denies", approved, new Deny(List.of("freeze"), List.of(), "change freeze", V2),
                        Refusal.NO_LONGER_ALLOWED),
                Arguments.of("approved by two, policy now wants three", approved, approvals("pii", 3, Duration.ofMinutes(5), "sre", "data-owners"),
                        Refusal.NO_LONGER_ALLOWED),
                Arguments.of("allowed, policy now wants approval", allowed, approvals("prod", 1, Duration.ofMinutes(5), "sre"),
                        Refusal.NO_LONGER_ALLOWED),
                Arguments.of("pending cannot run", pending(), allowNow, Refusal.NOT_RUNNABLE),
                Arguments.of("second use of a grant", used, allowNow, Refusal.GRANT_USED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("grantUses")
    void grantUseChecksTheRecordAndThePolicyInForceNow(String name, ActionRecord record, Decision policyNow, Refusal expected) {
        Transition result = use(record, policyNow);
        if (expected == null) {
            assertThat(result).isInstanceOfSatisfying(Applied.class, a -> {
                assertThat(a.next().status()).isEqualTo(Status.EXECUTED);
                assertThat(a.next().execution().grantId()).isEqualTo("gr_1");
                assertThat(a.events()).extracting(ActionEvent::type).containsExactly(EventType.CLAIMED);
            });
        } else {
            assertThat(result).isInstanceOfSatisfying(Refused.class, r -> assertThat(r.reason()).isEqualTo(expected));
        }
    }

    @Test
    void connectorOutcomeIsRecordedOnceForTheGrantItUsed() {
        ActionRecord allowed = pending(new Allow(List.of("reads"), List.of(), V), EXPORT);
        ActionRecord running = ((Applied) use(allowed, new Allow(List.of(), List.of(), V))).next();
        var finished = new LifecycleEvent.ConnectorFinished("warehouse", "gr_1", Execution.Outcome.FAILED, "timed out after 2s");
        assertThat(Lifecycle.transition(running, finished, T0.plusSeconds(9))).isInstanceOfSatisfying(Applied.class, a -> {
            assertThat(a.next().status()).isEqualTo(Status.FAILED);
            assertThat(a.events().getFirst().actor()).isEqualTo("connector:warehouse");
            assertThat(Lifecycle.transition(a.next(), finished, T0.plusSeconds(10))).isInstanceOfSatisfying(Refused.class,
                    r -> assertThat(r.reason()).isEqualTo(Refusal.OUTCOME_RECORDED));
        });
        assertThat(Lifecycle.transition(allowed, finished, T0.plusSeconds(9))).isInstanceOf(Refused.class);
        var otherGrant = new LifecycleEvent.ConnectorFinished("warehouse", "gr_2", Execution.Outcome.SUCCEEDED, null);
        assertThat(Lifecycle.transition(running, otherGrant, T0.plusSeconds(9))).isInstanceOfSatisfying(Refused.class,
                r -> assertThat(r.reason()).isEqualTo(Refusal.GRANT_USED));
    }
}
