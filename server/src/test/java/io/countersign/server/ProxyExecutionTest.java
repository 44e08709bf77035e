package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Proxy mode with the exec connector, end to end over HTTP: the approved argv runs once, literally, with
 * secrets only Countersign holds; everything else is refused before anything runs.
 */
class ProxyExecutionTest {
    static final String SECRET = "tok-7f3a9c1e5b";
    static final String CONNECTORS = """
            connectors:
              - name: prod-tools
                type: exec
                actions: [ops.prod.run]
                resource: {type: host, id: prod-web}
                executables: {echo: /bin/echo, touch: /usr/bin/touch}
                environment: {PATH: /usr/bin:/bin}
              - name: tools
                type: exec
                actions: [ops.run]
                resource: {type: host, id: staging-web}
                executables: {echo: /bin/echo, printenv: /usr/bin/printenv, sleep: /usr/bin/sleep, seq: /usr/bin/seq, touch: /usr/bin/touch, sh: /bin/sh}
                environment: {PATH: /usr/bin:/bin, DEPLOY_TOKEN: "${file:secrets/deploy-token}"}
                timeout: 2s
                max_output_bytes: 2000
            """;

    @TempDir
    Path config;

    TestServer server;

    @BeforeEach
    void start() throws IOException {
        Path secrets = Files.createDirectories(config.resolve("secrets"));
        Files.writeString(secrets.resolve("deploy-token"), SECRET + "\n");
        Files.setPosixFilePermissions(secrets.resolve("deploy-token"), PosixFilePermissions.fromString("rw-------"));
        server = TestServer.withConnectors(config, CONNECTORS);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A command on the staging host (allowed there) or, through the other connector, on the production host (held). */
    private TestServer.Answer submit(String env, String... argv) {
        var body = Json.object();
        body.put("action", env.equals("prod") ? "ops.prod.run" : "ops.run");
        var resource = body.putObject("resource");
        resource.put("type", "host");
        resource.put("id", env + "-web");
        resource.put("env", env);
        body.putObject("intent").put("summary", "run a maintenance command");
        var args = body.putObject("payload").putArray("argv");
        for (String arg : argv) {
            args.add(arg);
        }
        return server.post("agent", "/v1/actions", Json.text(body));
    }

    private static String grant(TestServer.Answer answer) {
        return answer.body().path("grant").path("token").asString();
    }

    private TestServer.Answer execute(String id, String grant) {
        var body = Json.object();
        body.put("grant", grant);
        return server.post("agent", "/v1/actions/" + id + "/execute", Json.text(body));
    }

    private TestServer.Answer runAllowed(String... argv) {
        TestServer.Answer submitted = submit("staging", argv);
        assertThat(submitted.status()).isEqualTo(200);
        assertThat(submitted.body().path("connector").asString()).isEqualTo("tools");
        TestServer.Answer ran = execute(submitted.id(), grant(submitted));
        assertThat(ran.status()).isEqualTo(200);
        return ran;
    }

    /** Processes of this machine running {@code sleep <argument>}. */
    private static long sleepers(String argument) {
        return ProcessHandle.allProcesses().filter(p -> p.info().command().map(c -> c.endsWith("/sleep")).orElse(false)
                && p.info().arguments().map(a -> a.length == 1 && a[0].equals(argument)).orElse(false)).count();
    }

    /** Waits until {@code pid} (a process an approved command left behind) is gone; fails if it outlives a few seconds. */
    private static void gone(long pid) throws InterruptedException {
        for (int i = 0; i < 50 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(100);
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("process " + pid + " left behind").isFalse();
    }

    @Test
    void whatACommandLeavesRunningEndsWithItOnSuccessFailureAndTimeout() throws Exception {
        // Success: the command exits at once, leaving a sleeper detached in the background.
        TestServer.Answer ok = runAllowed("sh", "-c", "sleep 300 > /dev/null 2>&1 & echo $!");
        assertThat(ok.body().path("result").path("outcome").asString()).isEqualTo("succeeded");
        gone(Long.parseLong(ok.body().path("result").path("stdout").asString().strip()));
        // Failure: the same, exiting 3.
        TestServer.Answer failed = runAllowed("sh", "-c", "sleep 300 > /dev/null 2>&1 & echo $!; exit 3");
        assertThat(failed.body().path("result").path("exit_code").asInt()).isEqualTo(3);
        gone(Long.parseLong(failed.body().path("result").path("stdout").asString().strip()));
        // Timeout (2 s): the command and what it started are killed.
        TestServer.Answer slow = runAllowed("sh", "-c", "sleep 303 > /dev/null 2>&1 & echo $!; sleep 30");
        assertThat(slow.body().path("result").path("timed_out").asBoolean()).isTrue();
        // On a loaded machine the shell may be killed before its echo: then the sleeper is found by its own arguments.
        String pid = slow.body().path("result").path("stdout").asString().strip();
        if (!pid.isEmpty()) {
            gone(Long.parseLong(pid));
        }
        for (int i = 0; i < 50 && sleepers("303") > 0; i++) {
            Thread.sleep(100);
        }
        assertThat(sleepers("303")).as("a sleep 303 left behind").isZero();
    }

    @Test
    void aCommandStillRunningWhenTheNodeStopsEndsWithEverythingItStarted() throws Exception {
        Path pidFile = config.resolve("work/tools/pid");
        TestServer.Answer submitted = submit("staging", "sh", "-c", "sleep 300 > /dev/null 2>&1 & echo $! > pid; sleep 1.5");
        String grant = grant(submitted);
        Thread running = Thread.ofVirtual().start(() -> execute(submitted.id(), grant));
        for (int i = 0; i < 50 && !Files.exists(pidFile); i++) {
            Thread.sleep(50);
        }
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isTrue();
        server.close();
        gone(pid);
        running.join(10_000);
        server = TestServer.withConnectors(config, CONNECTORS);
    }

    @Test
    void shellMetacharactersInArgvArePassedLiterally() {
        TestServer.Answer ran = runAllowed("echo", "hello; touch PWNED", "$(touch PWNED2)", "`id`", "*", "|", "&&", "> out");
        JsonNode result = ran.body().path("result");
        assertThat(result.path("outcome").asString()).isEqualTo("succeeded");
        assertThat(result.path("exit_code").asInt()).isZero();
        assertThat(result.path("stdout").asString()).isEqualTo("hello; touch PWNED $(touch PWNED2) `id` * | && > out\n");
        assertThat(config.resolve("work/tools")).isEmptyDirectory();
        assertThat(ran.body().path("status").asString()).isEqualTo("executed");
        assertThat(ran.body().path("execution").path("outcome").asString()).isEqualTo("succeeded");
    }

    @Test
    void aGrantRunsTheActionOnceAndTheSecondUseIsRefusedAndAudited() {
        TestServer.Answer submitted = submit("staging", "touch", "ran-once");
        String grant = grant(submitted);
        assertThat(execute(submitted.id(), grant).status()).isEqualTo(200);
        TestServer.Answer again = execute(submitted.id(), grant);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).isEqualTo("grant_used");
        assertThat(config.resolve("work/tools/ran-once")).exists();
        List<JsonNode> entries = server.auditEntries(submitted.id());
        assertThat(entries).extracting(e -> e.path("type").asString())
                .containsSubsequence("action.requested", "action.decided", "execution.started", "action.outcome", "grant.refused");
        JsonNode outcome = entries.stream().filter(e -> e.path("type").asString().equals("action.outcome")).findFirst().orElseThrow();
        assertThat(outcome.path("actor").asString()).isEqualTo("connector:tools");
        assertThat(outcome.path("detail").path("detail").asString()).startsWith("exit 0");
    }

    @Test
    void aCommandNotOnTheAllowListIsRefusedOnSubmitAndNothingIsStored() {
        int before = server.get("agent", "/v1/actions").body().path("actions").size();
        TestServer.Answer refused = submit("staging", "rm", "-rf", "/");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().path("error").path("field").asString()).isEqualTo("payload.argv[0]");
        assertThat(refused.body().path("error").path("message").asString()).contains("'rm' is not an executable the connector 'tools' runs");
        TestServer.Answer absolute = submit("staging", "/bin/sh", "-c", "id");
        assertThat(absolute.status()).isEqualTo(400);
        assertThat(server.get("agent", "/v1/actions").body().path("actions").size()).isEqualTo(before);
    }

    @Test
    void injectedSecretsReachTheCommandButNeverItsOutput() {
        TestServer.Answer ran = runAllowed("printenv");
        String stdout = ran.body().path("result").path("stdout").asString();
        assertThat(stdout).contains("DEPLOY_TOKEN=[redacted]").contains("PATH=/usr/bin:/bin").doesNotContain(SECRET);
        // Nothing of the server's own environment is inherited.
        assertThat(stdout.lines()).hasSize(2);
        assertThat(Json.text(server.auditEntries(ran.id()).getLast())).doesNotContain(SECRET);
    }

    @Test
    void aCommandThatHangsIsKilledAtTheTimeoutAndRecordedAsFailed() {
        long started = System.nanoTime();
        TestServer.Answer ran = runAllowed("sleep", "30");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
        JsonNode result = ran.body().path("result");
        assertThat(result.path("timed_out").asBoolean()).isTrue();
        assertThat(result.path("outcome").asString()).isEqualTo("failed");
        assertThat(result.path("error").asString()).contains("timed out after 2s");
        assertThat(ran.body().path("status").asString()).isEqualTo("failed");
    }

    @Test
    void outputBeyondTheCapIsCutAndMarked() {
        JsonNode result = runAllowed("seq", "1", "100000").body().path("result");
        assertThat(result.path("truncated").asBoolean()).isTrue();
        assertThat(result.path("stdout").asString()).startsWith("1\n2\n3\n").hasSizeLessThanOrEqualTo(2000);
        assertThat(result.path("outcome").asString()).isEqualTo("succeeded");
    }

    @Test
    void aHeldActionRunsOnlyAfterApprovalWithTheGrantFromThenOn() {
        TestServer.Answer held = submit("prod", "echo", "deploy");
        assertThat(held.status()).isEqualTo(202);
        assertThat(held.body().has("grant")).isFalse();
        assertThat(server.review("alice", held.id(), "approve", "change window").status()).isEqualTo(200);
        TestServer.Answer approved = server.get("agent", "/v1/actions/" + held.id());
        TestServer.Answer ran = execute(held.id(), grant(approved));
        assertThat(ran.body().path("result").path("stdout").asString()).isEqualTo("deploy\n");
    }

    @Test
    void anApprovedActionThatPolicyNowDeniesDoesNotRun() throws IOException {
        TestServer.Answer held = submit("prod", "touch", "should-not-exist");
        server.review("alice", held.id(), "approve", "ok");
        String grant = grant(server.get("agent", "/v1/actions/" + held.id()));
        Files.writeString(config.resolve("policies/freeze.yaml"), """
                version: 1
                rules:
                  - id: change-freeze
                    when: action.startsWith("ops.") && resource.env == "prod"
                    effect: deny
                    reason: change freeze until Monday
                """);
        server.node().reloadPolicy("test");
        TestServer.Answer refused = execute(held.id(), grant);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.error()).isEqualTo("no_longer_allowed");
        assertThat(refused.body().path("error").path("message").asString()).contains("change freeze until Monday");
        assertThat(config.resolve("work/prod-tools/should-not-exist")).doesNotExist();
        assertThat(server.get("agent", "/v1/actions/" + held.id()).body().path("status").asString()).isEqualTo("approved");
        JsonNode audited = server.auditEntries(held.id()).getLast();
        assertThat(audited.path("type").asString()).isEqualTo("grant.refused");
        assertThat(audited.path("detail").path("reason").asString()).isEqualTo("no_longer_allowed");
    }

    @Test
    void aGrantForAnotherActionOrAnActionWithoutConnectorIsRefused() {
        TestServer.Answer first = submit("staging", "echo", "one");
        TestServer.Answer second = submit("staging", "echo", "two");
        TestServer.Answer crossed = execute(second.id(), grant(first));
        assertThat(crossed.status()).isEqualTo(403);
        assertThat(crossed.error()).isEqualTo("invalid_grant");
        TestServer.Answer read = server.post("agent", "/v1/actions", TestServer.request("db.read", "dev", ""));
        TestServer.Answer noConnector = execute(read.id(), grant(read));
        assertThat(noConnector.status()).isEqualTo(422);
        assertThat(noConnector.error()).isEqualTo("no_connector");
        // Neither refusal used a grant: both actions still run.
        assertThat(execute(first.id(), grant(first)).status()).isEqualTo(200);
        assertThat(execute(second.id(), grant(second)).status()).isEqualTo(200);
    }

    @Test
    void longOutputIsStreamedAsNdjsonEvents() throws Exception {
        TestServer.Answer submitted = submit("staging", "seq", "1", "300");
        var body = Json.object();
        body.put("grant", grant(submitted));
        HttpResponse<java.util.stream.Stream<String>> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(server.uri("/v1/actions/" + submitted.id() + "/execute"))
                        .header("Authorization", "Bearer " + server.key("agent"))
                        .header("Accept", "application/x-ndjson")
                        .POST(HttpRequest.BodyPublishers.ofString(Json.text(body))).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).contains("application/x-ndjson");
        List<JsonNode> events = response.body().map(Json::parse).toList();
        assertThat(events.getFirst().path("event").asString()).isEqualTo("started");
        assertThat(events.getFirst().path("connector").asString()).isEqualTo("tools");
        StringBuilder stdout = new StringBuilder();
        events.stream().filter(e -> e.path("event").asString().equals("output")).forEach(e -> stdout.append(e.path("text").asString()));
        assertThat(stdout.toString()).startsWith("1\n2\n").endsWith("299\n300\n");
        JsonNode last = events.getLast();
        assertThat(last.path("event").asString()).isEqualTo("finished");
        assertThat(last.path("outcome").asString()).isEqualTo("succeeded");
        assertThat(last.path("action").path("status").asString()).isEqualTo("executed");
    }
}
