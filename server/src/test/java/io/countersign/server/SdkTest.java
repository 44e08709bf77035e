package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.sdk.ActionResult;
import io.countersign.sdk.Countersign;
import io.countersign.sdk.CountersignException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java SDK, as an agent uses it, against a real node. */
class SdkTest {
    @TempDir
    Path config;

    TestServer server;
    Countersign agent;

    @BeforeEach
    void start() {
        server = TestServer.start(config);
        agent = Countersign.connect(server.uri("/").toString(), server.key("agent"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void heldActionRunsOnlyAfterApproval() throws Exception {
        ActionResult held = agent.submit(TestServer.piiExport("OPS-42"));
        assertThat(held.isPending()).isTrue();
        assertThat(held.mayRun()).isFalse();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<ActionResult> waiting = pool.submit(() -> agent.await(held.id(), Duration.ofSeconds(30)));
            server.review("alice", held.id(), "approve", "ticket checked — ok ✓");
            server.review("bob", held.id(), "approve", "data owner \"agrees\"");
            ActionResult decided = waiting.get();
            assertThat(decided.status()).isEqualTo("approved");
            assertThat(decided.mayRun()).isTrue();
            assertThat(decided.digest()).isEqualTo(held.digest());
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> reviews = (List<Map<String, Object>>) decided.json().get("reviews");
            assertThat(reviews).extracting(r -> r.get("comment")).containsExactly("ticket checked — ok ✓", "data owner \"agrees\"");
        }
    }

    @Test
    void allowedAndDeniedAreResults() {
        assertThat(agent.submit(TestServer.request("db.read", "prod", "")).mayRun()).isTrue();
        ActionResult denied = agent.submit("""
                {"action": "aws.iam.AttachRolePolicy", "resource": {"type": "aws.iam.role", "id": "deployer"},
                 "intent": {"summary": "more rights"}, "payload": {"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}}""");
        assertThat(denied.status()).isEqualTo("denied");
        assertThat(denied.mayRun()).isFalse();
        assertThat(denied.denyingRule()).isEqualTo("no-admin-grants");
        assertThat(denied.denialReason()).isNotBlank();
        assertThat(new io.countersign.sdk.ActionNotAllowedException(denied).getMessage())
                .contains("is denied: " + denied.denialReason()).endsWith("(rule no-admin-grants)");
    }

    @Test
    void awaitGivesUpAtTheTimeoutStillPending() {
        ActionResult held = agent.submit(TestServer.request("db.migrate", "prod", ""));
        assertThat(agent.await(held.id(), Duration.ofSeconds(1)).isPending()).isTrue();
    }

    @Test
    void refusalsCarryTheServersCodeAndField() {
        assertThatThrownBy(() -> agent.submit("{\"action\": \"db.read\", \"resource\": {\"type\": \"t\"}, \"intent\": {\"summary\": \"s\"}}"))
                .isInstanceOfSatisfying(CountersignException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("missing_field");
                    assertThat(e.field()).isEqualTo("resource.id");
                });
        assertThatThrownBy(() -> Countersign.connect(server.uri("/").toString(), "wrong").get("act_00000000000000000000000000000000"))
                .isInstanceOfSatisfying(CountersignException.class, e -> assertThat(e.status()).isEqualTo(401));
        assertThatThrownBy(() -> Countersign.connect("http://127.0.0.1:1", "x").get("act_00000000000000000000000000000000"))
                .isInstanceOfSatisfying(CountersignException.class, e -> assertThat(e.code()).isEqualTo("unreachable"));
    }

    private static String echo(String env, String word) {
        return """
                {"action": "demo.echo", "resource": {"type": "host", "id": "demo", "env": "%s"},
                 "intent": {"summary": "say %s"}, "payload": {"argv": ["echo", "%s"]}}
                """.formatted(env, word, word);
    }

    @Test
    void executeHasTheShippedDemoConnectorRunTheActionAfterApproval() throws Exception {
        // The demo host is in prod (the inventory says so): an agent cannot make it staging's to skip review.
        assertThatThrownBy(() -> agent.execute(echo("staging", "hello"), Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(CountersignException.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.code()).isEqualTo("resource_mismatch");
                    assertThat(e.field()).isEqualTo("resource.env");
                });

        var held = agent.executeAsync(echo("prod", "deployed"), Duration.ofSeconds(30));
        String id = null;
        for (int i = 0; i < 100 && id == null; i++) {
            var pending = server.get("alice", "/v1/actions?status=pending").ids();
            id = pending.isEmpty() ? null : pending.getFirst();
            Thread.sleep(50);
        }
        assertThat(held).isNotDone();
        server.review("alice", id, "approve", "ok");
        ActionResult ran = held.get();
        assertThat(ran.status()).isEqualTo("executed");
        assertThat(ran.succeeded()).isTrue();
        assertThat(ran.result()).containsEntry("stdout", "deployed\n").containsEntry("connector", "demo-echo");
    }

    @Test
    void executeOfAnActionStillPendingAfterTheWaitRunsNothing() {
        assertThatThrownBy(() -> agent.execute(echo("prod", "again"), Duration.ofMillis(200)))
                .isInstanceOf(io.countersign.sdk.ActionNotAllowedException.class);
    }
}
