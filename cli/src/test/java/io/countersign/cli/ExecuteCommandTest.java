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
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code countersign execute}: proxy mode from a shell, output streamed, the command's exit code kept. */
class ExecuteCommandTest {
    @TempDir
    Path config;

    CountersignServer server;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        ConfigDirectory.ensureExample(config);
        Files.writeString(config.resolve("connectors.yaml"), """
                connectors:
                  - name: prod-tools
                    type: exec
                    actions: [ops.prod.run]
                    resource: {type: host, id: prod-web}
                    executables: {echo: /bin/echo}
                    timeout: 5s
                  - name: tools
                    type: exec
                    actions: [ops.run]
                    resource: {type: host, id: staging-web}
                    executables: {echo: /bin/echo, "false": /usr/bin/false}
                    timeout: 5s
                """);
        Files.writeString(config.resolve("resources.yaml"), Files.readString(config.resolve("resources.yaml"))
                + "  - {type: host, id: staging-web, env: staging}\n  - {type: host, id: prod-web, env: prod}\n");
        server = CountersignServer.start(config, "127.0.0.1", 0, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A command on the staging host (allowed there) or, through the other connector, on the production host (held). */
    private String submit(String env, String... argv) throws Exception {
        var body = Json.object();
        body.put("action", env.equals("prod") ? "ops.prod.run" : "ops.run");
        var resource = body.putObject("resource");
        resource.put("type", "host");
        resource.put("id", env + "-web");
        resource.put("env", env);
        body.putObject("intent").put("summary", "maintenance");
        var args = body.putObject("payload").putArray("argv");
        for (String arg : argv) {
            args.add(arg);
        }
        return call("/v1/actions", "AGENT", Json.text(body)).path("id").asString();
    }

    private JsonNode call(String path, String who, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + ConfigDirectory.demoKey(config, "COUNTERSIGN_" + who + "_KEY"));
        request = body == null ? request.GET() : request.POST(HttpRequest.BodyPublishers.ofString(body));
        return Json.parse(http.send(request.build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private Cli.Run execute(String... args) {
        List<String> full = new ArrayList<>(List.of("execute", "--server", "http://127.0.0.1:" + server.port(), "--token",
                ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY")));
        full.addAll(List.of(args));
        return Cli.run(full.toArray(String[]::new));
    }

    @Test
    void anAllowedActionRunsOnceWithItsOutputAndExitCode() throws Exception {
        String id = submit("staging", "echo", "hello", "$HOME");
        Cli.Run ran = execute(id);
        assertThat(ran.exit()).isZero();
        assertThat(ran.out()).isEqualTo("hello $HOME\n");
        assertThat(ran.err()).contains(id + " ran through connector tools: exit 0");
        Cli.Run again = execute(id);
        assertThat(again.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(again.err()).contains("is executed");
        assertThat(again.out()).isEmpty();
    }

    @Test
    void theCommandsOwnExitCodeIsKept() throws Exception {
        Cli.Run ran = execute(submit("staging", "false"));
        assertThat(ran.exit()).isEqualTo(1);
        assertThat(call("/v1/actions?limit=1", "AGENT", null).path("actions").get(0).path("status").asString()).isEqualTo("failed");
    }

    @Test
    void aPendingActionRunsOnlyOnceApprovedWithinTheTimeout() throws Exception {
        String id = submit("prod", "echo", "deployed");
        Cli.Run early = execute(id);
        assertThat(early.exit()).isEqualTo(ExitCode.STILL_PENDING);
        assertThat(early.out()).isEmpty();
        CompletableFuture<Cli.Run> waiting = CompletableFuture.supplyAsync(() -> execute(id, "--timeout", "30s"));
        Thread.sleep(500);
        assertThat(waiting).isNotDone();
        var review = Json.object();
        review.put("decision", "approve");
        review.put("comment", "go");
        call("/v1/actions/" + id + "/reviews", "ALICE", Json.text(review));
        Cli.Run ran = waiting.get();
        assertThat(ran.exit()).isZero();
        assertThat(ran.out()).isEqualTo("deployed\n");
    }

    @Test
    void aDeniedActionRunsNothing() throws Exception {
        String id = submit("prod", "echo", "nope");
        var review = Json.object();
        review.put("decision", "deny");
        review.put("comment", "not today");
        call("/v1/actions/" + id + "/reviews", "ALICE", Json.text(review));
        Cli.Run ran = execute(id);
        assertThat(ran.exit()).isEqualTo(ExitCode.DENIED);
        assertThat(ran.out()).isEmpty();
    }
}
