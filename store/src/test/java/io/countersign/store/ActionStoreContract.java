package io.countersign.store;

import io.countersign.events.AuditEvent;
import io.countersign.lifecycle.ActionStore;
import io.countersign.storage.Storage;

import static io.countersign.testing.Fixtures.AGENT;
import static io.countersign.testing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.events.ActionEvent;
import io.countersign.lifecycle.BreakGlass;
import io.countersign.lifecycle.LifecycleEvent;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.events.EventType;
import io.countersign.lifecycle.Lifecycle;
import io.countersign.lifecycle.LifecycleEvent.ReviewSubmitted;
import io.countersign.lifecycle.Requester;
import io.countersign.lifecycle.ReviewDecision;
import io.countersign.lifecycle.Transition.Applied;
import io.countersign.json.ActionDigest;
import io.countersign.model.ActionId;
import io.countersign.model.ActionRequest;
import io.countersign.model.Principal;
import io.countersign.model.Status;
import io.countersign.policy.ApprovalRequirement;
import io.countersign.policy.Justification;
import io.countersign.policy.PolicyVersion;
import io.countersign.policy.Quorum;
import io.countersign.policy.RequireApproval;
import io.countersign.lifecycle.ActionStore.InsertResult;
import io.countersign.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link ActionStore} contract: every store (SQLite, PostgreSQL) passes the same tests. */
abstract class ActionStoreContract {
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    private static final RequireApproval HOLD = new RequireApproval(List.of("r"), List.of("soc2:CC8.1"),
            new Quorum(List.of(new ApprovalRequirement("r", 1, Set.of("sre"))), true), Duration.ofMinutes(5),
            Justification.OPTIONAL, List.of("slack:C1"), new PolicyVersion("sha256:v"));

    Storage store;

    /** Opens the store under test: the same database each time within one test, so reopening finds what was written. */
    abstract Storage open();

    @BeforeEach
    void openStore() {
        store = open();
    }

    @AfterEach
    void close() {
        store.close();
    }

    static AuditEvent policyLoaded(String version) {
        return new AuditEvent.PolicyLoaded(version, null, "test", 1, List.of("default.yaml"));
    }

    static AuditEvent refused(EventType type, String reason) {
        return new AuditEvent.Refused(type, "sha256:" + "a".repeat(64), reason, "review", "refused", List.of(), null, null, null, null, null);
    }

    static Lifecycle.Started started(ActionRequest request) {
        return Lifecycle.start(ActionId.newId(NOW), Requester.of(AGENT, request), request, ActionDigest.of(request), HOLD, NOW);
    }

    /** Stores the request, then alice's approval of it. */
    private Applied insertedAndApproved(Lifecycle.Started started) {
        assertThat(store.insert(started.record(), started.events())).isInstanceOf(InsertResult.Inserted.class);
        Applied approved = (Applied) Lifecycle.transition(started.record(), new ReviewSubmitted(ALICE, ReviewDecision.APPROVE, "ok"), NOW);
        assertThat(store.update(approved.next(), approved.review(), approved.events())).isTrue();
        return approved;
    }

    static ActionRequest request(String ticket, String idempotencyKey) {
        ActionRequest base = Fixtures.export("prod", Map.of("data_class", "pii"), ticket);
        return new ActionRequest(base.action(), base.resource(), base.intent(), base.payload(), base.context(), idempotencyKey);
    }

    @Test
    void recordRoundTripsExactly() {
        Lifecycle.Started started = started(Fixtures.onBehalfOf(request("OPS-1", "k1"), "alice@example.com"));
        assertThat(store.insert(started.record(), started.events())).isInstanceOf(InsertResult.Inserted.class);
        // Read back from the database itself, not from what a store keeps at hand of its own writes.
        store.close();
        store = open();
        assertThat(store.find(started.record().id())).contains(started.record());
        assertThat(store.events(started.record().id())).hasSize(2);
    }

    @Test
    void chatMessagesAreKeptPerActionAndChannelAcrossReopening() {
        var id = new io.countersign.model.ActionId("act_01a2000000000000000000000000000a");
        var at = java.time.Instant.parse("2026-11-24T10:00:00Z");
        store.chatMessages().posted(new io.countersign.store.ChatMessageStore.Posted(id, "slack", "C0PROD", "1767.0001", at));
        store.chatMessages().posted(new io.countersign.store.ChatMessageStore.Posted(id, "slack", "D0ALICE", "1767.0002", at.plusSeconds(1)));
        store.chatMessages().posted(new io.countersign.store.ChatMessageStore.Posted(id, "teams", "19:conv", "act-1", at));
        store.close();
        store = open();
        assertThat(store.chatMessages().posted(id, "slack")).extracting(io.countersign.store.ChatMessageStore.Posted::messageId)
                .containsExactly("1767.0001", "1767.0002");
        assertThat(store.chatMessages().posted(id, "teams")).hasSize(1);
    }

    @Test
    void aChatMessageIsTakenOnceAlsoAfterReopeningUntilItsTimeIsPast() {
        Instant forgetAfter = NOW.plusSeconds(600);
        assertThat(store.replays().firstTime("slack-request:v0=abc", forgetAfter, NOW)).isTrue();
        assertThat(store.replays().firstTime("slack-request:v0=abc", forgetAfter, NOW)).isFalse();
        assertThat(store.replays().firstTime("slack-request:v0=abd", forgetAfter, NOW)).isTrue();
        store.close();
        store = open();
        assertThat(store.replays().firstTime("slack-request:v0=abc", forgetAfter, NOW.plusSeconds(1))).isFalse();
        // Past its time no copy could pass the channel's own checks, so the key is let go.
        assertThat(store.replays().firstTime("slack-request:v0=abc", NOW.plusSeconds(1200), NOW.plusSeconds(601))).isTrue();
        assertThat(store.replays().firstTime("slack-request:v0=abc", NOW.plusSeconds(1200), NOW.plusSeconds(602))).isFalse();
    }

    @Test
    void aSignInUnderWayIsTakenOnceBeforeItExpiresAndEachClientMayHaveOnlySoMany() {
        java.util.function.IntFunction<SignInStore.Pending> pending = n -> new SignInStore.Pending("state-" + n, "browser-" + n,
                "nonce-" + n, "verifier-" + n, "/inbox", n < 3 ? "203.0.113.7" : "198.51.100.1", NOW.plusSeconds(600));
        for (int n = 0; n < 2; n++) {
            assertThat(store.signIns().begin(pending.apply(n), 2, 4, NOW)).isEmpty();
        }
        assertThat(store.signIns().begin(pending.apply(2), 2, 4, NOW)).contains(SignInStore.Refusal.CLIENT_LIMIT);
        assertThat(store.signIns().begin(pending.apply(3), 2, 3, NOW)).isEmpty();
        assertThat(store.signIns().begin(pending.apply(4), 2, 3, NOW)).contains(SignInStore.Refusal.FULL);
        store.close();
        store = open();
        assertThat(store.signIns().take("state-0", NOW.plusSeconds(1))).contains(pending.apply(0));
        assertThat(store.signIns().take("state-0", NOW.plusSeconds(1))).as("taken once").isEmpty();
        assertThat(store.signIns().take("state-1", NOW.plusSeconds(600))).as("expired").isEmpty();
        // Expired ones no longer count toward a client's limit.
        assertThat(store.signIns().begin(pending.apply(2), 2, 4, NOW.plusSeconds(601))).isEmpty();
    }

    @Test
    void eachNodesLastReportReplacesItsEarlierOne() {
        store.nodes().report(new NodeStatusStore.NodeStatus("a:8080", true, "sha256:p1", "sha256:i1", "none", NOW));
        store.nodes().report(new NodeStatusStore.NodeStatus("b:8080", false, "sha256:p1", "sha256:i1", "none", NOW));
        store.nodes().report(new NodeStatusStore.NodeStatus("a:8080", false, "sha256:p2", "sha256:i2", "sha256:v", NOW.plusSeconds(2)));
        store.close();
        store = open();
        assertThat(store.nodes().nodes()).containsExactly(
                new NodeStatusStore.NodeStatus("a:8080", false, "sha256:p2", "sha256:i2", "sha256:v", NOW.plusSeconds(2)),
                new NodeStatusStore.NodeStatus("b:8080", false, "sha256:p1", "sha256:i1", "none", NOW));
    }

    @Test
    void consoleSessionsAreFoundUntilTheyExpireOrEndAlsoAfterReopening() {
        var alice = new io.countersign.model.Principal("alice", io.countersign.model.Principal.Kind.HUMAN, "Alice", "alice@example.com",
                Set.of("sre"), null, Set.of(io.countersign.model.Principal.Role.AUDITOR));
        var session = new SessionStore.Session("ab".repeat(32), alice, "csrf-token", "oidc", NOW.plusSeconds(3600));
        store.sessions().save(session, NOW);
        store.sessions().save(new SessionStore.Session("cd".repeat(32), alice, "other", "demo", NOW.plusSeconds(10)), NOW);
        store.close();
        store = open();
        assertThat(store.sessions().find("ab".repeat(32), NOW.plusSeconds(1))).contains(session);
        assertThat(store.sessions().find("cd".repeat(32), NOW.plusSeconds(10))).as("expired").isEmpty();
        assertThat(store.sessions().find("ef".repeat(32), NOW)).isEmpty();
        store.sessions().delete("ab".repeat(32));
        assertThat(store.sessions().find("ab".repeat(32), NOW.plusSeconds(1))).as("ended").isEmpty();
    }

    @Test
    void aBreakGlassAndItsReviewAfterwardsAreKeptAndListedAcrossReopening() {
        Principal admin = new Principal("hal", Principal.Kind.HUMAN, "Hal", null, Set.of("sre"), null, Set.of(Principal.Role.ADMIN));
        Lifecycle.Started started = started(request("OPS-1", null));
        Lifecycle.Started other = started(request("OPS-2", null));
        store.insert(started.record(), started.events());
        store.insert(other.record(), other.events());
        Applied broken = (Applied) Lifecycle.transition(started.record(),
                new LifecycleEvent.BreakGlassUsed(admin, "the database is on fire, nobody answers"), NOW.plusSeconds(1));
        assertThat(store.update(broken.next(), broken.review(), broken.events())).isTrue();
        store.close();
        store = open();
        assertThat(store.find(started.record().id())).contains(broken.next());
        assertThat(store.list(new ActionStore.Query(null, null, 10, true))).extracting(ActionRecord::id).containsExactly(started.record().id());

        Applied afterwards = (Applied) Lifecycle.transition(broken.next(),
                new LifecycleEvent.BreakGlassReviewed(ALICE, BreakGlass.Verdict.DISPUTED, "nothing was on fire"), NOW.plusSeconds(2));
        assertThat(store.update(afterwards.next(), afterwards.review(), afterwards.events())).isTrue();
        store.close();
        store = open();
        ActionRecord stored = store.find(started.record().id()).orElseThrow();
        assertThat(stored).isEqualTo(afterwards.next());
        assertThat(stored.breakGlass().review().verdict()).isEqualTo(BreakGlass.Verdict.DISPUTED);
        assertThat(store.events(stored.id())).extracting(ActionEvent::type).containsExactly(EventType.REQUESTED, EventType.DECIDED,
                EventType.BREAK_GLASS, EventType.APPROVED, EventType.BREAK_GLASS_REVIEWED);
    }

    @Test
    void staleVersionIsRefusedAndNothingIsWritten() {
        Lifecycle.Started started = started(request("OPS-1", null));
        Applied first = insertedAndApproved(started);
        // A second writer that read the same old version loses.
        assertThat(store.update(first.next(), first.review(), first.events())).isFalse();
        ActionRecord stored = store.find(started.record().id()).orElseThrow();
        assertThat(stored.status()).isEqualTo(Status.APPROVED);
        assertThat(stored.reviews()).hasSize(1);
        assertThat(store.events(stored.id())).hasSize(4);
    }

    @Test
    void whoeverACommitWakesReadsWhatItCommitted() {
        // The audit log's followers (Slack, Teams, webhooks) are woken by the commit and read the action at once.
        Lifecycle.Started started = started(request("OPS-1", null));
        store.insert(started.record(), started.events());
        ActionId id = started.record().id();
        assertThat(store.find(id).orElseThrow().status()).isEqualTo(Status.PENDING);
        List<ActionRecord> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        Runnable stopListening = store.auditLog().onAppend(() -> seen.add(store.find(id).orElseThrow()));
        Applied approved = (Applied) Lifecycle.transition(started.record(), new ReviewSubmitted(ALICE, ReviewDecision.APPROVE, "ok"), NOW);
        assertThat(store.update(approved.next(), approved.review(), approved.events())).isTrue();
        stopListening.run();
        assertThat(seen).isNotEmpty().allSatisfy(record -> assertThat(record).isEqualTo(approved.next()));
    }

    @Test
    void readsRepeatedAcrossChangesSeeEachChange() {
        // Reads reuse their compiled statements; each must still see the latest commit, never an earlier snapshot.
        Lifecycle.Started started = started(request("OPS-1", null));
        store.insert(started.record(), started.events());
        ActionId id = started.record().id();
        for (int i = 0; i < 3; i++) {
            assertThat(store.find(id).orElseThrow().status()).isEqualTo(Status.PENDING);
            assertThat(store.list(new ActionStore.Query(Status.PENDING, null, 10))).extracting(ActionRecord::id).containsExactly(id);
        }
        Applied approved = (Applied) Lifecycle.transition(started.record(), new ReviewSubmitted(ALICE, ReviewDecision.APPROVE, "ok"), NOW);
        assertThat(store.update(approved.next(), approved.review(), approved.events())).isTrue();
        ActionRecord read = store.find(id).orElseThrow();
        assertThat(read.status()).isEqualTo(Status.APPROVED);
        assertThat(read.reviews()).extracting(io.countersign.lifecycle.Review::reviewer).containsExactly(ALICE.id());
        assertThat(store.list(new ActionStore.Query(Status.PENDING, null, 10))).isEmpty();
        assertThat(store.list(new ActionStore.Query(Status.APPROVED, null, 10))).extracting(ActionRecord::id).containsExactly(id);
    }

    @Test
    void concurrentCompareAndSetHasOneWinner() throws Exception {
        Lifecycle.Started started = started(request("OPS-1", null));
        store.insert(started.record(), started.events());
        Applied approve = (Applied) Lifecycle.transition(started.record(), new ReviewSubmitted(ALICE, ReviewDecision.APPROVE, "ok"), NOW);
        List<Future<Boolean>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 32; i++) {
                results.add(pool.submit(() -> store.update(approve.next(), approve.review(), approve.events())));
            }
        }
        long winners = 0;
        for (Future<Boolean> result : results) {
            winners += result.get() ? 1 : 0;
        }
        assertThat(winners).isEqualTo(1);
    }

    @Test
    void idempotencyKeyAndPendingDuplicatesReturnTheEarlierRecord() {
        Lifecycle.Started first = started(request("OPS-1", "key-1"));
        store.insert(first.record(), first.events());
        Lifecycle.Started sameKey = started(request("OPS-1", "key-1"));
        assertThat(store.insert(sameKey.record(), sameKey.events()))
                .isInstanceOfSatisfying(InsertResult.SameIdempotencyKey.class, r -> assertThat(r.record().id()).isEqualTo(first.record().id()));
        Lifecycle.Started sameDigest = started(request("OPS-2", null));
        assertThat(store.insert(sameDigest.record(), sameDigest.events()))
                .isInstanceOfSatisfying(InsertResult.Duplicate.class, r -> assertThat(r.record().id()).isEqualTo(first.record().id()));
        assertThat(store.list(new ActionStore.Query(null, null, 10))).hasSize(1);
    }

    @Test
    void anIdenticalRequestApprovedAndNotYetRunIsReturnedUntilItRuns() {
        Lifecycle.Started first = started(request("OPS-1", null));
        Applied approved = insertedAndApproved(first);

        Lifecycle.Started again = started(request("OPS-2", null));
        assertThat(store.insert(again.record(), again.events())).isInstanceOfSatisfying(InsertResult.Duplicate.class, r -> {
            assertThat(r.record().id()).isEqualTo(first.record().id());
            assertThat(r.record().status()).isEqualTo(Status.APPROVED);
        });

        Applied ran = (Applied) Lifecycle.transition(approved.next(), new LifecycleEvent.OutcomeReported(AGENT, "grant-1",
                io.countersign.lifecycle.Execution.Outcome.SUCCEEDED, null), NOW.plusSeconds(1));
        assertThat(store.update(ran.next(), ran.review(), ran.events())).isTrue();
        Lifecycle.Started afterItRan = started(request("OPS-3", null));
        assertThat(store.insert(afterItRan.record(), afterItRan.events())).isInstanceOf(InsertResult.Inserted.class);
        assertThat(store.list(new ActionStore.Query(null, null, 10))).hasSize(2);
    }

    @Test
    void anApprovalPastItsWindowAnswersNoIdenticalRequestAndIsOverdue() {
        Lifecycle.Started first = started(request("OPS-1", null));
        Applied approved = insertedAndApproved(first);
        Instant lapse = approved.next().expiresAt();
        assertThat(lapse).isEqualTo(NOW.plus(HOLD.approvalTtl()));
        assertThat(store.overdue(lapse.minusMillis(1), 10)).isEmpty();
        assertThat(store.overdue(lapse, 10)).containsExactly(first.record().id());

        // Asked again once the window has passed (before the sweeper got to it): a new request, for new approvals.
        ActionRequest again = request("OPS-2", null);
        Lifecycle.Started late = Lifecycle.start(ActionId.newId(lapse), Requester.of(AGENT, again), again, ActionDigest.of(again), HOLD, lapse);
        assertThat(store.insert(late.record(), late.events())).isInstanceOf(InsertResult.Inserted.class);
    }

    @Test
    void refusedAttemptsAreFoundByTheTimeTheyWereMade() {
        Lifecycle.Started started = started(request("OPS-1", null));
        store.insert(started.record(), started.events());
        ActionId id = started.record().id();
        store.append(List.of(new ActionEvent(id, "alice", NOW, refused(EventType.REFUSED, "self_review"))));
        store.append(List.of(new ActionEvent(null, ActionEvent.SYSTEM, NOW.plusSeconds(1), policyLoaded("sha256:a"))));
        store.append(List.of(new ActionEvent(id, "agent", NOW.plusSeconds(2), refused(EventType.GRANT_REFUSED, "grant_used"))));
        store.append(List.of(new ActionEvent(null, "bob", NOW.plusSeconds(90), new AuditEvent.RefusalsCoalesced(EventType.REFUSED, "review",
                "self_review", 3, NOW.plusSeconds(30), NOW.plusSeconds(40), java.util.Map.of(), List.of()))));
        assertThat(store.refusedAttempts(NOW, NOW.plusSeconds(60))).extracting(ActionEvent::type, ActionEvent::actor)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(EventType.REFUSED, "alice"), org.assertj.core.groups.Tuple.tuple(EventType.GRANT_REFUSED, "agent"));
        assertThat(store.refusedAttempts(NOW.plusSeconds(60), NOW.plusSeconds(120))).extracting(ActionEvent::actor).containsExactly("bob");
    }

    @Test
    void overdueFindsOnlyPendingPastExpiry() {
        Lifecycle.Started started = started(request("OPS-1", null));
        store.insert(started.record(), started.events());
        assertThat(store.overdue(NOW.plus(Duration.ofMinutes(4)), 10)).isEmpty();
        assertThat(store.overdue(NOW.plus(Duration.ofMinutes(5)), 10)).containsExactly(started.record().id());
    }

    @Test
    void closedStoreFailsClosed() {
        store.close();
        Lifecycle.Started started = started(request("OPS-1", null));
        assertThatThrownBy(() -> store.insert(started.record(), started.events())).isInstanceOf(StoreUnavailableException.class);
        store = open();
    }

    @Test
    void pendingPagesThroughEveryPendingRequestInIdOrder() {
        List<ActionId> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ActionRequest base = request("OPS-1", null);
            Lifecycle.Started started = started(new ActionRequest(base.action(), base.resource(), base.intent(),
                    io.countersign.json.Json.parse("{\"part\": " + i + "}"), null, null));
            store.insert(started.record(), started.events());
            ids.add(started.record().id());
        }
        ids.sort(java.util.Comparator.comparing(ActionId::value));
        List<ActionId> first = store.pending(null, 2);
        List<ActionId> second = store.pending(first.getLast(), 2);
        List<ActionId> third = store.pending(second.getLast(), 2);
        assertThat(first).containsExactlyElementsOf(ids.subList(0, 2));
        assertThat(second).containsExactlyElementsOf(ids.subList(2, 4));
        assertThat(third).containsExactly(ids.get(4));
    }

    @Test
    void createdBetweenSelectsThePeriod() {
        Lifecycle.Started started = started(request("OPS-1", null));
        store.insert(started.record(), started.events());
        assertThat(store.createdBetween(NOW, NOW.plusMillis(1), null, 10)).extracting(ActionRecord::id)
                .containsExactly(started.record().id());
        assertThat(store.createdBetween(NOW.plusMillis(1), NOW.plusSeconds(60), null, 10)).isEmpty();
        assertThat(store.createdBetween(NOW.minusSeconds(60), NOW, null, 10)).isEmpty();
    }

    @Test
    void systemEventsAreKeptInOrderWithoutAnAction() {
        store.append(List.of(new ActionEvent(null, ActionEvent.SYSTEM, NOW, policyLoaded("sha256:a"))));
        store.append(List.of(new ActionEvent(null, ActionEvent.SYSTEM, NOW, policyLoaded("sha256:b"))));
        assertThat(store.recentSystemEvents(EventType.POLICY_LOADED, 10)).extracting(e -> ((AuditEvent.PolicyLoaded) e.event()).version())
                .containsExactly("sha256:b", "sha256:a");
        assertThat(store.recentSystemEvents(EventType.POLICY_LOADED, 1)).singleElement()
                .satisfies(e -> assertThat(e.actionId()).isNull());
    }

    @Test
    void updateKeepsNewTermsAndExpiry() {
        Lifecycle.Started started = started(request("OPS-1", null));
        store.insert(started.record(), started.events());
        RequireApproval stricter = new RequireApproval(List.of("r", "s"), List.of("soc2:CC8.1"),
                new Quorum(List.of(new ApprovalRequirement("s", 2, Set.of("sre"))), true), Duration.ofMinutes(1),
                Justification.REQUIRED, List.of(), new PolicyVersion("sha256:w"));
        var applied = (io.countersign.lifecycle.Transition.Applied) Lifecycle.transition(started.record(),
                new io.countersign.lifecycle.LifecycleEvent.PolicyChanged(stricter, false), NOW.plusSeconds(1));
        assertThat(store.update(applied.next(), null, applied.events())).isTrue();
        ActionRecord read = store.find(started.record().id()).orElseThrow();
        assertThat(read).isEqualTo(applied.next());
        assertThat(read.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(1)));
        assertThat(store.events(read.id())).extracting(ActionEvent::type).endsWith(EventType.REEVALUATED);
    }
}
