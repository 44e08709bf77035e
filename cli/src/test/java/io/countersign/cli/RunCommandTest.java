package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code countersign run}: a script's command runs once, after approval, and never otherwise. */
class RunCommandTest {
    @TempDir
    Path config;

    @TempDir
    Path work;

    CountersignServer server;
    HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        ConfigDirectory.ensureExample(config);
        Files.writeString(config.resolve("policies/run-rules.yaml"), """
                version: 1
                rules:
                  - id: scripts-need-an-sre
                    when: action == "test.run"
                    effect: require_approval
                    approvals: {min: 1, from: [sre]}
                    ttl: 10m
                  - id: never
                    when: action == "test.forbidden"
                    effect: deny
                    reason: scripts may not do this
                  - id: short-lived
                    when: action == "test.expire"
                    effect: require_approval
                    approvals: {min: 1, from: [sre]}
                    ttl: 2s
                  - id: short-grant
                    when: action == "test.short-grant"
                    effect: allow
                    grant_ttl: 10s
                """);
        // What the scripts here act on, as the server's inventory knows it.
        Files.writeString(config.resolve("resources.yaml"), Files.readString(config.resolve("resources.yaml"))
                + "  - {type: postgres.table, id: dev/*, env: dev}\n  - {type: command, id: \"*\", env: dev}\n");
        server = CountersignServer.start(config, "127.0.0.1", 0, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Cli.Run run(String... args) {
        List<String> full = new ArrayList<>(List.of("run", "--server", "http://127.0.0.1:" + server.port(), "--token",
                ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY")));
        full.addAll(List.of(args));
        return Cli.run(full.toArray(String[]::new));
    }

    private JsonNode call(String method, String path, String who, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + ConfigDirectory.demoKey(config, "COUNTERSIGN_" + who + "_KEY"));
        request = body == null ? request.GET() : request.POST(HttpRequest.BodyPublishers.ofString(body));
        return Json.parse(http.send(request.build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private String script(String marker, int exit) {
        return "echo ran >> " + work.resolve(marker) + "; exit " + exit;
    }

    @Test
    void anApprovedCommandRunsOnceAndItsExitCodeAndOutcomeAreKept() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Cli.Run> running = pool.submit(() -> run("--action", "test.run", "--resource", "prod/main", "--summary", "rotate logs",
                    "--timeout", "60s",
                    "--", "/bin/sh", "-c", script("approved", 7)));
            String id = null;
            for (int i = 0; i < 200 && id == null; i++) {
                var pending = call("GET", "/v1/actions?status=pending", "ALICE", null).path("actions");
                id = pending.isEmpty() ? null : pending.get(0).path("id").asString();
                Thread.sleep(25);
            }
            assertThat(Files.exists(work.resolve("approved"))).isFalse();
            var held = call("GET", "/v1/actions/" + id, "ALICE", null);
            assertThat(held.path("payload").path("argv").get(0).asString()).isEqualTo("/bin/sh");
            call("POST", "/v1/actions/" + id + "/reviews", "ALICE", "{\"decision\": \"approve\", \"comment\": \"ok\"}");
            Cli.Run result = running.get();
            assertThat(result.exit()).as(result.err()).isEqualTo(7);
            assertThat(result.err()).contains("waiting for approval of " + id).contains("0/1 from sre").contains("expires in");
            assertThat(Files.readAllLines(work.resolve("approved"))).containsExactly("ran");
            var done = call("GET", "/v1/actions/" + id, "ALICE", null);
            assertThat(done.path("status").asString()).isEqualTo("failed");
            assertThat(done.path("execution").path("detail").asString()).isEqualTo("exit code 7");
        }
    }

    @Test
    void anOutcomeTheServerMissedWhileRestartingIsSentAgainAndTheCommandKeepsItsExitCode() throws Exception {
        int port = server.port();
        String id;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Cli.Run> running = pool.submit(() -> run("--action", "db.read", "--resource-type", "postgres.table",
                    "--resource", "dev/x", "--summary", "a read", "--timeout", "30s",
                    "--", "/bin/sh", "-c", "echo ran >> " + work.resolve("restart") + "; sleep 1; exit 4"));
            for (int i = 0; i < 200 && !Files.exists(work.resolve("restart")); i++) {
                Thread.sleep(25);
            }
            server.close(); // a restart, say, while the command runs
            Thread.sleep(2500);
            server = CountersignServer.start(config, "127.0.0.1", port, Clock.systemUTC());
            Cli.Run result = running.get();
            assertThat(result.exit()).as(result.err()).isEqualTo(4);
            assertThat(result.err()).contains("recording the outcome failed").contains("trying again in")
                    .doesNotContain("the outcome was not recorded");
            id = result.err().lines().filter(line -> line.contains(" allowed and claimed; running ")).findFirst().orElseThrow()
                    .replaceFirst("countersign: (\\S+) allowed and claimed; running .*", "$1");
        }
        assertThat(Files.readAllLines(work.resolve("restart"))).containsExactly("ran");
        var done = call("GET", "/v1/actions/" + id, "AGENT", null);
        assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("failed");
        assertThat(done.path("execution").path("detail").asString()).isEqualTo("exit code 4");
    }

    @Test
    void aCommandThatRanKeepsItsExitCodeWhenTheServerStaysGoneUntilItsGrantExpires() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Cli.Run> running = pool.submit(() -> run("--action", "test.short-grant", "--resource", "x", "--timeout", "30s",
                    "--", "/bin/sh", "-c", "echo ran >> " + work.resolve("gone") + "; sleep 1; exit 4"));
            for (int i = 0; i < 200 && !Files.exists(work.resolve("gone")); i++) {
                Thread.sleep(25);
            }
            server.close(); // while the command runs, for longer than its grant's 10 s
            Cli.Run result = running.get();
            assertThat(result.exit()).as(result.err()).isEqualTo(4);
            assertThat(result.err()).contains("trying again in 1s").contains("trying again in 2s")
                    .contains("the outcome was not recorded").contains("its grant expires before another attempt");
            assertThat(Files.readAllLines(work.resolve("gone"))).containsExactly("ran");
        } finally {
            server = CountersignServer.start(config, "127.0.0.1", 0, Clock.systemUTC()); // for @AfterEach
        }
    }

    @Test
    void ofSeveralProcessesHoldingOneApprovalExactlyOneRunsTheCommandAndTheOthersSaySo() throws Exception {
        Path marker = work.resolve("once");
        List<String> command = new ArrayList<>(List.of(java(), "-cp", System.getProperty("java.class.path"), "io.countersign.cli.Main",
                "run", "--server", "http://127.0.0.1:" + server.port(), "--action", "test.run", "--resource", "prod/main",
                "--timeout", "60s", "--", "/bin/sh", "-c", "echo ran >> " + marker + "; sleep 1"));
        List<Process> processes = new ArrayList<>();
        List<java.io.BufferedReader> errors = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().put("COUNTERSIGN_TOKEN", ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY"));
            Process process = builder.start();
            processes.add(process);
            errors.add(new java.io.BufferedReader(new java.io.InputStreamReader(process.getErrorStream(), java.nio.charset.StandardCharsets.UTF_8)));
        }
        // Every process asked (the same request: one pending, reaching reviewers once) and waits for it.
        String id = null;
        for (java.io.BufferedReader err : errors) {
            String line = err.readLine();
            assertThat(line).contains("waiting for approval of act_");
            String mine = line.replaceFirst(".*waiting for approval of (act_[0-9a-f]+).*", "$1");
            assertThat(id == null || id.equals(mine)).as("one request for all of them").isTrue();
            id = mine;
        }
        call("POST", "/v1/actions/" + id + "/reviews", "ALICE", "{\"decision\": \"approve\", \"comment\": \"ok\"}");

        List<Integer> exits = new ArrayList<>();
        List<String> said = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            assertThat(processes.get(i).waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            exits.add(processes.get(i).exitValue());
            said.add(new String(processes.get(i).getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
        assertThat(Files.readAllLines(marker)).as("the command ran once").containsExactly("ran");
        assertThat(exits).containsOnlyOnce(0).filteredOn(exit -> exit != 0).containsOnly(ExitCode.CLAIMED_ELSEWHERE);
        String held = id;
        assertThat(said).filteredOn(text -> text.contains("was not run")).hasSize(3)
                .allSatisfy(text -> assertThat(text).contains(held + " was not run").contains("already run"));
        JsonNode done = call("GET", "/v1/actions/" + held, "ALICE", null);
        assertThat(done.path("status").asString()).isEqualTo("executed");
        assertThat(done.path("execution").path("outcome").asString()).isEqualTo("succeeded");
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Test
    void aDeniedCommandNeverRuns() {
        Cli.Run result = run("--action", "test.forbidden", "--resource", "deployer", "--timeout", "30s",
                "--", "/bin/sh", "-c", script("denied", 0));
        assertThat(result.exit()).isEqualTo(ExitCode.DENIED);
        assertThat(result.err()).contains("is denied; the command did not run: scripts may not do this (rule never)");
        assertThat(Files.exists(work.resolve("denied"))).isFalse();
    }

    @Test
    void anExpiredCommandNeverRuns() {
        Cli.Run result = run("--action", "test.expire", "--resource", "x", "--timeout", "30s", "--", "/bin/sh", "-c", script("expired", 0));
        assertThat(result.exit()).isEqualTo(ExitCode.EXPIRED);
        assertThat(result.err()).contains("is expired; the command did not run");
        assertThat(Files.exists(work.resolve("expired"))).isFalse();
    }

    @Test
    void anAllowedCommandRunsAtOnceWithItsArgumentsTakenLiterally() throws Exception {
        Path marker = work.resolve("literal");
        Cli.Run result = run("--action", "db.read", "--resource-type", "postgres.table", "--resource", "prod/customers",
                "--timeout", "30s", "--", "/bin/sh", "-c", "printf '%s' \"$0\" > " + marker, "a; rm -rf / $(whoami)");
        assertThat(result.exit()).as(result.err()).isEqualTo(0);
        assertThat(Files.readString(marker)).isEqualTo("a; rm -rf / $(whoami)");
    }
}
