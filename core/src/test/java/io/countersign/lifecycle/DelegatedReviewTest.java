package io.countersign.lifecycle;

import static io.countersign.testing.Fixtures.AGENT;
import static io.countersign.testing.Fixtures.ALICE;
import static io.countersign.testing.Fixtures.BOB;
import static io.countersign.testing.Fixtures.CAROL;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.events.AuditEvent;
import io.countersign.json.ActionDigest;
import io.countersign.lifecycle.LifecycleEvent.ReviewSubmitted;
import io.countersign.lifecycle.Transition.Applied;
import io.countersign.lifecycle.Transition.Refused;
import io.countersign.model.ActionId;
import io.countersign.model.ActionRequest;
import io.countersign.model.Principal;
import io.countersign.model.Status;
import io.countersign.policy.ApprovalRequirement;
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

/** Reviews given for someone else under a delegation ("frank for alice"): the lifecycle's table. */
class DelegatedReviewTest {
    private static final Instant T0 = Instant.parse("2026-12-08T10:00:00Z");
    private static final ActionRequest EXPORT = Fixtures.export("prod", Map.of("data_class", "pii"), "OPS-42");
    /** In no reviewer group: may review only for someone who handed him their reviews. */
    private static final Principal FRANK = new Principal("frank", Principal.Kind.HUMAN, "Frank", "frank@example.com", Set.of(), null);
    private static final Principal GRACE = new Principal("grace", Principal.Kind.HUMAN, "Grace", "grace@example.com", Set.of("sre"), null);

    private static ActionRecord pending(int min) {
        RequireApproval terms = new RequireApproval(List.of("r"), List.of(),
                new Quorum(List.of(new ApprovalRequirement("r", min, Set.of("sre"))), true), Duration.ofMinutes(30),
                Justification.OPTIONAL, List.of(), new PolicyVersion("sha256:d"));
        return Lifecycle.start(ActionId.newId(T0), Requester.of(AGENT, EXPORT), EXPORT, ActionDigest.of(EXPORT), terms, T0).record();
    }

    private static Transition review(ActionRecord record, Principal seat, Principal by) {
        return Lifecycle.transition(record, new ReviewSubmitted(seat, ReviewDecision.APPROVE, "ok", by), T0.plusSeconds(5));
    }

    @Test
    void aReviewForSomeoneTakesTheirSeatAndSaysWhoGaveIt() {
        Applied applied = (Applied) review(pending(2), ALICE, FRANK);
        Review review = applied.next().reviews().getFirst();
        assertThat(review.reviewer()).isEqualTo("alice");
        assertThat(review.by()).isEqualTo("frank");
        assertThat(review.groups()).containsExactly("sre");
        assertThat(applied.events()).singleElement().satisfies(event -> {
            assertThat(event.actor()).isEqualTo("frank");
            assertThat(event.event()).isEqualTo(new AuditEvent.Reviewed(applied.next().digest(), "alice", "approve", "ok", "frank"));
        });
        assertThat(Lifecycle.approvers(applied.next())).containsOnlyKeys("alice");
        assertThat(applied.next().status()).as("one seat of two").isEqualTo(Status.PENDING);
        assertThat(((Applied) review(applied.next(), GRACE, null)).next().status()).isEqualTo(Status.APPROVED);
    }

    static Stream<Arguments> refusals() {
        ActionRecord pending = pending(2);
        ActionRecord frankForAlice = ((Applied) review(pending, ALICE, FRANK)).next();
        ActionRecord aliceHerself = ((Applied) review(pending, ALICE, null)).next();
        return Stream.of(
                Arguments.of("the seat counts once: alice herself after frank for her", frankForAlice, ALICE, null, Refusal.ALREADY_REVIEWED),
                Arguments.of("the seat counts once: frank for alice after alice", aliceHerself, ALICE, FRANK, Refusal.ALREADY_REVIEWED),
                Arguments.of("one person one judgment: frank for grace after frank for alice", frankForAlice, GRACE, FRANK, Refusal.ALREADY_REVIEWED),
                Arguments.of("the agent's owner may not review for anyone", pending, ALICE, CAROL, Refusal.SELF_REVIEW),
                Arguments.of("the agent may not review for anyone", pending, ALICE, AGENT, Refusal.NOT_ELIGIBLE),
                Arguments.of("a delegation does not make an ineligible seat eligible", pending, BOB, FRANK, Refusal.NOT_ELIGIBLE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refused(String name, ActionRecord record, Principal seat, Principal by, Refusal reason) {
        assertThat(review(record, seat, by)).isInstanceOfSatisfying(Refused.class, r -> assertThat(r.reason()).isEqualTo(reason));
    }
}
