package io.countersign.lifecycle;

import static io.countersign.testing.Fixtures.AGENT;
import static io.countersign.testing.Fixtures.ALICE;
import static io.countersign.testing.Fixtures.BOB;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.events.AuditEvent;
import io.countersign.json.ActionDigest;
import io.countersign.lifecycle.LifecycleEvent.NudgeDue;
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
import io.countersign.policy.Nudges;
import io.countersign.policy.PolicyVersion;
import io.countersign.policy.Quorum;
import io.countersign.policy.RequireApproval;
import io.countersign.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Reminders and escalation as the lifecycle's table: when each is due, once per stage, and what escalation opens. */
class NudgesTest {
    private static final Instant T0 = Instant.parse("2026-12-08T10:00:00Z");
    private static final ActionRequest CHANGE = Fixtures.export("prod", Map.of(), "OPS-7");
    private static final Principal OLIVE = new Principal("olive", Principal.Kind.HUMAN, "Olive", "olive@example.com", Set.of("oncall"), null);

    /** First a data owner, then an SRE; remind after 30 minutes in a stage, escalate to on-call after an hour. */
    private static ActionRecord pending() {
        RequireApproval terms = new RequireApproval(List.of("r"), List.of(), new Quorum(List.of(
                new ApprovalRequirement("r", 1, Set.of("data-owners"), 0, ApprovalRequirement.ALONE),
                new ApprovalRequirement("r", 1, Set.of("sre"), 1, ApprovalRequirement.ALONE)), true),
                Duration.ofHours(8), Justification.OPTIONAL, List.of(), new PolicyVersion("sha256:n"), null, Duration.ofHours(1), true,
                Nudges.of(Duration.ofMinutes(30), Duration.ofHours(1), List.of("oncall")));
        return Lifecycle.start(ActionId.newId(T0), Requester.of(AGENT, CHANGE), CHANGE, ActionDigest.of(CHANGE), terms, T0).record();
    }

    private static Transition at(ActionRecord record, Duration after) {
        return Lifecycle.transition(record, new NudgeDue(), T0.plus(after));
    }

    private static ActionRecord applied(Transition transition) {
        return ((Applied) transition).next();
    }

    @Test
    void aStageIsRemindedThenEscalatedOnceEachAndEscalationLetsTheNewGroupReview() {
        ActionRecord pending = pending();
        assertThat(at(pending, Duration.ofMinutes(29))).isInstanceOf(Refused.class);

        Applied reminded = (Applied) at(pending, Duration.ofMinutes(30));
        assertThat(reminded.events()).singleElement().extracting(e -> e.event())
                .isEqualTo(new AuditEvent.Reminded(pending.digest(), 1, List.of("data-owners")));
        assertThat(reminded.next().status()).isEqualTo(Status.PENDING);
        assertThat(at(reminded.next(), Duration.ofMinutes(45))).as("once per stage").isInstanceOf(Refused.class);

        // Before the escalation, an on-call human may not review; after it, they count in the open stage.
        assertThat(Lifecycle.transition(reminded.next(), new ReviewSubmitted(OLIVE, ReviewDecision.APPROVE, "ok"), T0.plus(Duration.ofMinutes(50))))
                .isInstanceOf(Refused.class);
        Applied escalated = (Applied) at(reminded.next(), Duration.ofMinutes(60));
        assertThat(escalated.events()).singleElement().extracting(e -> e.event())
                .isEqualTo(new AuditEvent.Escalated(pending.digest(), 1, List.of("oncall")));
        assertThat(at(escalated.next(), Duration.ofMinutes(90))).as("once per stage").isInstanceOf(Refused.class);
        ActionRecord firstStageMet = applied(Lifecycle.transition(escalated.next(), new ReviewSubmitted(OLIVE, ReviewDecision.APPROVE, "covering"),
                T0.plus(Duration.ofMinutes(91))));
        assertThat(Lifecycle.openStage(firstStageMet)).isEqualTo(1);

        // The second stage's clock starts when the first was met: its reminder comes 30 minutes after that.
        assertThat(Lifecycle.stageOpenedAt(firstStageMet)).isEqualTo(T0.plus(Duration.ofMinutes(91)));
        assertThat(at(firstStageMet, Duration.ofMinutes(120))).isInstanceOf(Refused.class);
        assertThat(((Applied) at(firstStageMet, Duration.ofMinutes(121))).events()).singleElement().extracting(e -> e.event())
                .isEqualTo(new AuditEvent.Reminded(pending.digest(), 2, List.of("sre")));
    }

    @Test
    void nothingIsDueForADecidedRequestOrOneWithoutNudges() {
        ActionRecord approved = applied(Lifecycle.transition(applied(Lifecycle.transition(pending(),
                new ReviewSubmitted(BOB, ReviewDecision.APPROVE, "ok"), T0.plusSeconds(1))), new ReviewSubmitted(ALICE, ReviewDecision.APPROVE, "ok"),
                T0.plusSeconds(2)));
        assertThat(approved.status()).isEqualTo(Status.APPROVED);
        assertThat(at(approved, Duration.ofHours(2))).isInstanceOf(Refused.class);
    }

    @Test
    void whatWasDoneSurvivesTheDecisionsJson() {
        Applied reminded = (Applied) at(pending(), Duration.ofMinutes(31));
        RequireApproval terms = (RequireApproval) reminded.next().decision();
        assertThat(DecisionJson.fromJson(DecisionJson.toJson(terms))).isEqualTo(terms);
        assertThat(terms.nudges().reminded()).isEqualTo(1);
    }
}
