package io.countersign.lifecycle;

import static io.countersign.testing.Fixtures.AGENT;
import static io.countersign.testing.Fixtures.ALICE;
import static io.countersign.testing.Fixtures.BOB;
import static io.countersign.testing.Fixtures.DAVE;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.ActionDigest;
import io.countersign.lifecycle.LifecycleEvent.ReviewSubmitted;
import io.countersign.lifecycle.Transition.Applied;
import io.countersign.lifecycle.Transition.Refused;
import io.countersign.model.ActionId;
import io.countersign.model.ActionRequest;
import io.countersign.model.Principal;
import io.countersign.model.Status;
import io.countersign.policy.ApprovalRequirement;
import io.countersign.policy.DecisionJson;
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

/** Reviews in stages, decided in order, and alternatives within a stage: the lifecycle's table. */
class StagedReviewTest {
    private static final Instant T0 = Instant.parse("2026-12-08T10:00:00Z");
    private static final PolicyVersion V = new PolicyVersion("sha256:stages");
    private static final ActionRequest EXPORT = Fixtures.export("prod", Map.of("data_class", "pii"), "OPS-42");
    /** In both groups, and not behind the request. */
    private static final Principal FRANK = new Principal("frank", Principal.Kind.HUMAN, "Frank", "frank@example.com",
            Set.of("sre", "data-owners"), null);
    private static final Principal GRACE = new Principal("grace", Principal.Kind.HUMAN, "Grace", "grace@example.com", Set.of("sre"), null);
    private static final Principal HEIDI = new Principal("heidi", Principal.Kind.HUMAN, "Heidi", "heidi@example.com", Set.of("security"), null);

    /** First a data owner, then an SRE. */
    private static RequireApproval ownerThenSre() {
        return held(new ApprovalRequirement("pii", 1, Set.of("data-owners"), 0, ApprovalRequirement.ALONE),
                new ApprovalRequirement("pii", 1, Set.of("sre"), 1, ApprovalRequirement.ALONE));
    }

    private static RequireApproval held(ApprovalRequirement... requirements) {
        return new RequireApproval(List.of("pii"), List.of(), new Quorum(List.of(requirements), true), Duration.ofMinutes(30),
                Justification.OPTIONAL, List.of(), V);
    }

    private static ActionRecord pending(RequireApproval terms) {
        return Lifecycle.start(ActionId.newId(T0), Requester.of(AGENT, EXPORT), EXPORT, ActionDigest.of(EXPORT), terms, T0).record();
    }

    private static Transition review(ActionRecord record, Principal who) {
        return Lifecycle.transition(record, new ReviewSubmitted(who, io.countersign.lifecycle.ReviewDecision.APPROVE, "ok"), T0.plusSeconds(5));
    }

    private static ActionRecord approvedBy(ActionRecord record, Principal who) {
        return ((Applied) review(record, who)).next();
    }

    static Stream<Arguments> refusals() {
        ActionRecord pending = pending(ownerThenSre());
        return Stream.of(
                Arguments.of("a second stage's reviewer before the first is met", pending, ALICE, Refusal.NOT_ELIGIBLE,
                        "stage 1 of 2 is open, for data-owners; alice reviews in a later stage"),
                Arguments.of("someone in no stage's groups", pending, DAVE, Refusal.NOT_ELIGIBLE, "reviewers must belong to"),
                Arguments.of("the first stage's approver again in the second", approvedBy(pending, FRANK), FRANK,
                        Refusal.ALREADY_REVIEWED, "has already reviewed"),
                Arguments.of("a first stage's reviewer once it is met", approvedBy(pending, FRANK), BOB, Refusal.NOT_ELIGIBLE,
                        "stage 2 of 2 is open, for sre"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refused(String name, ActionRecord record, Principal who, Refusal reason, String message) {
        assertThat(review(record, who)).isInstanceOfSatisfying(Refused.class, r -> {
            assertThat(r.reason()).isEqualTo(reason);
            assertThat(r.message()).contains(message);
        });
    }

    @Test
    void stagesAreMetInOrderByDistinctHumans() {
        ActionRecord pending = pending(ownerThenSre());
        assertThat(Lifecycle.openStage(pending)).isZero();
        // Frank is in both groups: his one approval counts for the stage that was open, the first, and no other.
        ActionRecord firstMet = approvedBy(pending, FRANK);
        assertThat(firstMet.status()).isEqualTo(Status.PENDING);
        assertThat(Lifecycle.openStage(firstMet)).isEqualTo(1);
        assertThat(Lifecycle.progress(firstMet)).contains("1 approved; stage 2 of 2 open")
                .contains("stage 1: 1 approval(s) from data-owners (rule pii); then stage 2: 1 approval(s) from sre (rule pii)");
        ActionRecord approved = approvedBy(firstMet, ALICE);
        assertThat(approved.status()).isEqualTo(Status.APPROVED);
    }

    @Test
    void alternativesWithinAStageNeedOnlyOneAndAllOfNeedsEach() {
        // Stage 1: a data owner AND (an SRE or someone from security).
        RequireApproval terms = held(new ApprovalRequirement("r", 1, Set.of("data-owners"), 0, ApprovalRequirement.ALONE),
                new ApprovalRequirement("r", 1, Set.of("sre"), 0, 0),
                new ApprovalRequirement("r", 1, Set.of("security"), 0, 0));
        ActionRecord security = approvedBy(pending(terms), HEIDI);
        assertThat(security.status()).as("an alternative met, the data owner still missing").isEqualTo(Status.PENDING);
        assertThat(approvedBy(security, BOB).status()).isEqualTo(Status.APPROVED);
        assertThat(approvedBy(approvedBy(pending(terms), GRACE), BOB).status()).as("the other alternative").isEqualTo(Status.APPROVED);
        assertThat(terms.quorum().describe()).isEqualTo("stage 1: 1 approval(s) from data-owners (rule r) and one of "
                + "(1 approval(s) from sre (rule r), or 1 approval(s) from security (rule r))");
    }

    @Test
    void aStagedDecisionSurvivesItsJsonAndAPlainOneKeepsItsBytes() {
        RequireApproval terms = held(new ApprovalRequirement("pii", 1, Set.of("data-owners"), 0, ApprovalRequirement.ALONE),
                new ApprovalRequirement("pii", 1, Set.of("sre"), 1, 0), new ApprovalRequirement("pii", 2, Set.of("security"), 1, 0));
        assertThat(DecisionJson.fromJson(DecisionJson.toJson(terms))).isEqualTo(terms);
        String plain = DecisionJson.toJson(held(new ApprovalRequirement("pii", 2, Set.of("sre")))).toString();
        assertThat(plain).doesNotContain("\"stage\"").doesNotContain("\"any_of\"");
    }

    @Test
    void aPolicyChangeAddsAStagedRulesDemandsWithoutLosingEither() {
        RequireApproval before = held(new ApprovalRequirement("old", 1, Set.of("sre")));
        RequireApproval stricter = ownerThenSre();
        RequireApproval tightened = before.tightenedBy(stricter);
        assertThat(tightened.quorum().stages()).isEqualTo(2);
        assertThat(tightened.quorum().requirements()).containsAll(stricter.quorum().requirements())
                .contains(new ApprovalRequirement("old", 1, Set.of("sre")));
        assertThat(tightened.tightenedBy(stricter).quorum().requirements()).as("the same change twice changes nothing")
                .containsExactlyElementsOf(tightened.quorum().requirements());
    }
}
