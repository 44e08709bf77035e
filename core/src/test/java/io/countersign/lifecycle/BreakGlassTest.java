package io.countersign.lifecycle;

import io.countersign.events.AuditEvent;

import io.countersign.events.ActionEvent;
import io.countersign.events.EventType;

import static io.countersign.testing.Fixtures.AGENT;
import static io.countersign.testing.Fixtures.ALICE;
import static io.countersign.testing.Fixtures.BOB;
import static io.countersign.testing.Fixtures.DAVE;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.lifecycle.LifecycleEvent.BreakGlassReviewed;
import io.countersign.lifecycle.LifecycleEvent.BreakGlassUsed;
import io.countersign.lifecycle.LifecycleEvent.CancelRequested;
import io.countersign.lifecycle.LifecycleEvent.ExpiryDue;
import io.countersign.lifecycle.LifecycleEvent.GrantUsed;
import io.countersign.lifecycle.LifecycleEvent.ReviewSubmitted;
import io.countersign.lifecycle.Transition.Applied;
import io.countersign.lifecycle.Transition.Refused;
import io.countersign.json.ActionDigest;
import io.countersign.model.ActionId;
import io.countersign.model.ActionRequest;
import io.countersign.model.Principal;
import io.countersign.model.Status;
import io.countersign.policy.ApprovalRequirement;
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
import org.junit.jupiter.api.Test;

/** Break-glass: an admin's audited emergency override of a pending request's approvals, and its review afterwards. */
class BreakGlassTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final PolicyVersion V = new PolicyVersion("sha256:test");
    private static final ActionRequest EXPORT = Fixtures.export("prod", Map.of("data_class", "pii"), "OPS-42");
    private static final RequireApproval TWO_FROM_SRE_OR_OWNERS = new RequireApproval(List.of("pii"), List.of(),
            new Quorum(List.of(new ApprovalRequirement("pii", 2, Set.of("sre", "data-owners"))), true),
            Duration.ofMinutes(15), Justification.OPTIONAL, List.of(), V);
    /** The agent's owner, in both reviewer groups, and an admin. */
    private static final Principal CAROL_ADMIN = new Principal("carol", Principal.Kind.HUMAN, "Carol", "carol@example.com",
            Set.of("sre", "data-owners"), null, Set.of(Principal.Role.ADMIN));
    private static final Principal ERIN_ADMIN = new Principal("erin", Principal.Kind.HUMAN, "Erin", "erin@example.com",
            Set.of("sre"), null, Set.of(Principal.Role.ADMIN));
    private static final Principal AUDITOR = new Principal("olga", Principal.Kind.HUMAN, "Olga", null, Set.of(), null,
            Set.of(Principal.Role.AUDITOR));
    private static final String WHY = "prod is down and every approver is on a plane; OPS-42";

    private static ActionRecord pending() {
        return Lifecycle.start(ActionId.newId(T0), Requester.of(AGENT, EXPORT), EXPORT, ActionDigest.of(EXPORT), TWO_FROM_SRE_OR_OWNERS, T0).record();
    }

    private static Transition at(ActionRecord record, LifecycleEvent event, int second) {
        return Lifecycle.transition(record, event, T0.plusSeconds(second));
    }

    private static ActionRecord applied(Transition transition) {
        assertThat(transition).isInstanceOf(Applied.class);
        return ((Applied) transition).next();
    }

    private static Refusal refusal(Transition transition) {
        assertThat(transition).isInstanceOf(Refused.class);
        return ((Refused) transition).reason();
    }

    @Test
    void anAdminLetsAPendingRequestRunWithAJustificationThatIsLogged() {
        ActionRecord pending = applied(at(pending(), new ReviewSubmitted(ALICE, ReviewDecision.APPROVE, null), 1));
        Applied broken = (Applied) at(pending, new BreakGlassUsed(ERIN_ADMIN, "  " + WHY + " "), 2);

        assertThat(broken.next().status()).isEqualTo(Status.APPROVED);
        assertThat(broken.next().isRunnable()).isTrue();
        assertThat(broken.next().breakGlass()).isEqualTo(new BreakGlass("erin", "Erin", WHY, T0.plusSeconds(2), null));
        assertThat(broken.next().reviews()).hasSize(1); // not a review: it counts toward no quorum
        assertThat(broken.events()).extracting(ActionEvent::type).containsExactly(EventType.BREAK_GLASS, EventType.APPROVED);
        ActionEvent logged = broken.events().getFirst();
        assertThat(logged.actor()).isEqualTo("erin");
        AuditEvent.BrokeGlass glass = (AuditEvent.BrokeGlass) logged.event();
        assertThat(glass.justification()).isEqualTo(WHY);
        assertThat(glass.digest()).isEqualTo(pending.digest());
        assertThat(glass.approvals()).isEqualTo(1);
        assertThat(glass.bypassed()).contains("2 approval");
        assertThat(glass.controls()).contains("nist-800-53:AC-3(10)");
    }

    @Test
    void noAdminBreaksGlassOnARequestTheyAreBehind() {
        // carol owns the requesting agent; erin is the requester; erin is the human the agent acts for.
        assertThat(refusal(at(pending(), new BreakGlassUsed(CAROL_ADMIN, WHY), 1))).isEqualTo(Refusal.SELF_BREAK_GLASS);
        ActionRecord byErin = Lifecycle.start(ActionId.newId(T0), Requester.of(ERIN_ADMIN, EXPORT), EXPORT, ActionDigest.of(EXPORT),
                TWO_FROM_SRE_OR_OWNERS, T0).record();
        assertThat(refusal(at(byErin, new BreakGlassUsed(ERIN_ADMIN, WHY), 1))).isEqualTo(Refusal.SELF_BREAK_GLASS);
        ActionRequest forErin = Fixtures.onBehalfOf(EXPORT, "ERIN@example.com");
        ActionRecord onErinsBehalf = Lifecycle.start(ActionId.newId(T0), Requester.of(AGENT, forErin), forErin, ActionDigest.of(forErin),
                TWO_FROM_SRE_OR_OWNERS, T0).record();
        assertThat(at(onErinsBehalf, new BreakGlassUsed(ERIN_ADMIN, WHY), 1)).isInstanceOfSatisfying(Refused.class, r -> {
            assertThat(r.reason()).isEqualTo(Refusal.SELF_BREAK_GLASS);
            assertThat(r.message()).contains("on behalf of ERIN@example.com");
        });
        // ...and another admin may, as the owner may not review her agent's requests either.
        assertThat(at(byErin, new BreakGlassUsed(CAROL_ADMIN, WHY), 1)).isInstanceOf(Applied.class);
        assertThat(refusal(at(pending(), new ReviewSubmitted(CAROL_ADMIN, ReviewDecision.APPROVE, null), 1))).isEqualTo(Refusal.SELF_REVIEW);
    }

    @Test
    void aRuleThatSaysBreakGlassFalseForbidsItToEveryAdmin() {
        RequireApproval sealed = new RequireApproval(List.of("pii"), List.of(), TWO_FROM_SRE_OR_OWNERS.quorum(), Duration.ofMinutes(15),
                Justification.OPTIONAL, List.of(), V, null, Duration.ofMinutes(30), false);
        ActionRecord held = Lifecycle.start(ActionId.newId(T0), Requester.of(AGENT, EXPORT), EXPORT, ActionDigest.of(EXPORT), sealed, T0).record();
        assertThat(at(held, new BreakGlassUsed(ERIN_ADMIN, WHY), 1)).isInstanceOfSatisfying(Refused.class, r -> {
            assertThat(r.reason()).isEqualTo(Refusal.BREAK_GLASS_FORBIDDEN);
            assertThat(r.message()).contains("pii");
        });
    }

    @Test
    void brokenGlassLetsTheRequestRunOnlyWithinTheApprovalWindow() {
        Applied broken = (Applied) at(pending(), new BreakGlassUsed(ERIN_ADMIN, WHY), 1);
        Instant window = T0.plusSeconds(1).plus(RequireApproval.DEFAULT_APPROVAL_TTL);
        assertThat(broken.next().expiresAt()).isEqualTo(window);
        assertThat(((AuditEvent.Approved) broken.events().getLast().event()).approvalExpiresAt()).isEqualTo(window);
        ActionRecord lapsed = applied(Lifecycle.transition(broken.next(), new ExpiryDue(), window));
        assertThat(refusal(Lifecycle.transition(lapsed, new GrantUsed(AGENT, "g1", TWO_FROM_SRE_OR_OWNERS), window.plusSeconds(1))))
                .isEqualTo(Refusal.APPROVAL_EXPIRED);
    }

    @Test
    void onlyHumanAdminsBreakGlassAndOnlyWithAJustificationOfTwentyCharacters() {
        Principal agentCalledAdmin = new Principal("rogue", Principal.Kind.AGENT, null, null, Set.of(), "carol", Set.of(Principal.Role.ADMIN));
        assertThat(refusal(at(pending(), new BreakGlassUsed(ALICE, WHY), 1))).isEqualTo(Refusal.NOT_ADMIN);
        assertThat(refusal(at(pending(), new BreakGlassUsed(agentCalledAdmin, WHY), 1))).isEqualTo(Refusal.NOT_ADMIN);
        assertThat(refusal(at(pending(), new BreakGlassUsed(AUDITOR, WHY), 1))).isEqualTo(Refusal.NOT_ADMIN);
        assertThat(refusal(at(pending(), new BreakGlassUsed(ERIN_ADMIN, null), 1))).isEqualTo(Refusal.BREAK_GLASS_JUSTIFICATION_REQUIRED);
        assertThat(refusal(at(pending(), new BreakGlassUsed(ERIN_ADMIN, "   urgent!!           "), 1)))
                .isEqualTo(Refusal.BREAK_GLASS_JUSTIFICATION_REQUIRED);
        assertThat(refusal(at(pending(), new BreakGlassUsed(ERIN_ADMIN, "x".repeat(BreakGlass.MIN_JUSTIFICATION - 1)), 1)))
                .isEqualTo(Refusal.BREAK_GLASS_JUSTIFICATION_REQUIRED);
        assertThat(at(pending(), new BreakGlassUsed(ERIN_ADMIN, "x".repeat(BreakGlass.MIN_JUSTIFICATION)), 1)).isInstanceOf(Applied.class);
    }

    @Test
    void itNeverTurnsADenialAnExpiryACancelOrAnEarlierBreakGlassAround() {
        ActionRecord denied = applied(at(pending(), new ReviewSubmitted(ALICE, ReviewDecision.DENY, "no"), 1));
        ActionRecord cancelled = applied(at(pending(), new CancelRequested(AGENT), 1));
        ActionRecord expired = applied(Lifecycle.transition(pending(), new ExpiryDue(), T0.plus(Duration.ofMinutes(16))));
        ActionRecord broken = applied(at(pending(), new BreakGlassUsed(ERIN_ADMIN, WHY), 1));
        assertThat(refusal(at(denied, new BreakGlassUsed(ERIN_ADMIN, WHY), 2))).isEqualTo(Refusal.NOT_PENDING);
        assertThat(refusal(at(cancelled, new BreakGlassUsed(ERIN_ADMIN, WHY), 2))).isEqualTo(Refusal.NOT_PENDING);
        assertThat(refusal(at(expired, new BreakGlassUsed(ERIN_ADMIN, WHY), 2))).isEqualTo(Refusal.EXPIRED);
        assertThat(refusal(Lifecycle.transition(pending(), new BreakGlassUsed(ERIN_ADMIN, WHY), T0.plus(Duration.ofMinutes(15)))))
                .isEqualTo(Refusal.EXPIRED);
        assertThat(refusal(at(broken, new BreakGlassUsed(CAROL_ADMIN, WHY), 2))).isEqualTo(Refusal.NOT_PENDING);
    }

    @Test
    void theGrantRunsOnceWithoutTheQuorumButNotWhenPolicyNowDenies() {
        ActionRecord broken = applied(at(pending(), new BreakGlassUsed(ERIN_ADMIN, WHY), 1));
        ActionRecord ran = applied(at(broken, new GrantUsed(AGENT, "g1", TWO_FROM_SRE_OR_OWNERS), 2));
        assertThat(ran.status()).isEqualTo(Status.EXECUTED);
        assertThat(refusal(at(ran, new GrantUsed(AGENT, "g1", TWO_FROM_SRE_OR_OWNERS), 3))).isEqualTo(Refusal.GRANT_USED);

        Deny nowDenied = new Deny(List.of("freeze"), List.of(), "change freeze", new PolicyVersion("sha256:later"));
        assertThat(refusal(at(broken, new GrantUsed(AGENT, "g1", nowDenied), 2))).isEqualTo(Refusal.NO_LONGER_ALLOWED);
    }

    @Test
    void someoneElseWhoCouldHaveReviewedTheRequestReviewsItAfterwardsOnce() {
        ActionRecord broken = applied(at(pending(), new BreakGlassUsed(ERIN_ADMIN, WHY), 1));
        Principal owner = new Principal("carol", Principal.Kind.HUMAN, "Carol", null, Set.of("sre"), null);
        assertThat(refusal(at(broken, new BreakGlassReviewed(ERIN_ADMIN, BreakGlass.Verdict.UPHELD, null), 2))).isEqualTo(Refusal.SELF_REVIEW);
        assertThat(refusal(at(broken, new BreakGlassReviewed(owner, BreakGlass.Verdict.UPHELD, null), 2))).isEqualTo(Refusal.SELF_REVIEW);
        assertThat(refusal(at(broken, new BreakGlassReviewed(AGENT, BreakGlass.Verdict.UPHELD, null), 2))).isEqualTo(Refusal.NOT_HUMAN);
        assertThat(refusal(at(broken, new BreakGlassReviewed(DAVE, BreakGlass.Verdict.UPHELD, null), 2))).isEqualTo(Refusal.NOT_ELIGIBLE);
        assertThat(refusal(at(broken, new BreakGlassReviewed(AUDITOR, BreakGlass.Verdict.UPHELD, null), 2))).isEqualTo(Refusal.NOT_ELIGIBLE);
        assertThat(refusal(at(broken, new BreakGlassReviewed(BOB, BreakGlass.Verdict.DISPUTED, " "), 2)))
                .isEqualTo(Refusal.JUSTIFICATION_REQUIRED);

        Applied disputed = (Applied) at(broken, new BreakGlassReviewed(BOB, BreakGlass.Verdict.DISPUTED, "nothing was down"), 2);
        assertThat(disputed.next().status()).isEqualTo(Status.APPROVED); // the verdict is for the record; it changes no state
        assertThat(disputed.next().breakGlass().review())
                .isEqualTo(new BreakGlass.PostHocReview("bob", "Bob", BreakGlass.Verdict.DISPUTED, "nothing was down", T0.plusSeconds(2)));
        assertThat(disputed.events()).singleElement().satisfies(event -> {
            assertThat(event.type()).isEqualTo(EventType.BREAK_GLASS_REVIEWED);
            assertThat(event.actor()).isEqualTo("bob");
            assertThat(event.event()).isEqualTo(new AuditEvent.BreakGlassReviewed(disputed.next().digest(), "bob", "disputed", "erin",
                    "nothing was down"));
        });
        assertThat(refusal(at(disputed.next(), new BreakGlassReviewed(ALICE, BreakGlass.Verdict.UPHELD, null), 3)))
                .isEqualTo(Refusal.ALREADY_REVIEWED);
    }

    @Test
    void aReviewAfterwardsIsForBrokenGlassOnlyAndMayComeAfterTheActionRan() {
        assertThat(refusal(at(pending(), new BreakGlassReviewed(BOB, BreakGlass.Verdict.UPHELD, null), 1))).isEqualTo(Refusal.NO_BREAK_GLASS);
        ActionRecord ran = applied(at(applied(at(pending(), new BreakGlassUsed(ERIN_ADMIN, WHY), 1)),
                new GrantUsed(AGENT, "g1", TWO_FROM_SRE_OR_OWNERS), 2));
        ActionRecord upheld = applied(at(ran, new BreakGlassReviewed(ALICE, BreakGlass.Verdict.UPHELD, null), 3));
        assertThat(upheld.status()).isEqualTo(Status.EXECUTED);
        assertThat(upheld.execution()).isEqualTo(ran.execution());
        assertThat(upheld.breakGlass().awaitsReview()).isFalse();
    }
}
