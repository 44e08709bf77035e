package io.countersign.cli;

import io.countersign.mcp.McpPeers;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The gateway under bad input and bad upstreams, spoken to in raw JSON-RPC lines on its stdin:
 * malformed JSON, unknown methods, huge arguments, an upstream tool that hangs, one that kills its
 * server, and a tool that changes after first use. Each gets a clear answer, and the gateway keeps
 * serving the next call.
 */
class McpGatewayFaultTest {
    static final String POLICY = """
            version: 1
            rules:
              - id: mcp-reads
                when: action.startsWith("mcp.") && resource.labels.read_only == "true"
                effect: allow
              - id: mcp-rug-pull
                when: action.startsWith("mcp.") && resource.labels.tool_changed == "true"
                effect: deny
                reason: the tool changed after it was first used
            """;

    @TempDir
    Path config;

    CountersignServer server;
    Process gateway;
    OutputStream stdin;
    final List<JsonNode> received = new CopyOnWriteArrayList<>();

    static final String FAULTY = McpPeers.DIRECTORY.resolve("faulty-server.mjs").toAbsolutePath().toString();

    @BeforeEach
    void start() throws IOException {
        server = McpPeers.startNode(config, POLICY);
    }

    /** Starts the gateway in front of the faulty server, as most tests here want it. */
    private void startGateway() throws IOException {
        startGateway("""
                  faulty:
                    command: [node, %s]
                    labels: {read_only: "true", destructive: "false"}
                    env: {GREETING: hello}
                """.formatted(FAULTY));
    }

    /** Starts the gateway in front of {@code servers} (the settings' {@code servers:} entries, indented by two). */
    private void startGateway(String servers) throws IOException {
        startGateway("", servers);
    }

    /** As {@link #startGateway(String)}, with more top-level settings ({@code on_tool_change: refuse}). */
    private void startGateway(String topLevel, String servers) throws IOException {
        Path settings = config.resolve("mcp.yaml");
        Files.writeString(settings, """
                env: dev
                timeout: 2s
                hold: 1s
                """ + topLevel + """
                servers:
                """ + servers);
        ProcessBuilder process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "io.countersign.cli.Main", "mcp", "--config", settings.toString(),
                "--server", "http://127.0.0.1:" + server.port())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        // As agents configure it: the key in the gateway's environment, beside whatever else the agent has there.
        process.environment().put("COUNTERSIGN_TOKEN", ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY"));
        process.environment().put("AGENT_SECRET", "for the gateway only");
        gateway = process.start();
        stdin = gateway.getOutputStream();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    received.add(Json.parse(line));
                }
            } catch (IOException | RuntimeException e) {
                received.add(Json.parse("{\"unreadable\": true}"));
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            stdin.close();
            if (!gateway.waitFor(15, TimeUnit.SECONDS)) {
                gateway.destroyForcibly();
                throw new AssertionError("the gateway did not exit when its stdin closed");
            }
        }
        if (server != null) {
            server.close();
        }
    }

    private void send(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    private JsonNode answer(int id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (JsonNode message : received) {
                if (message.path("id").asInt(-1) == id) {
                    return message;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no answer to request " + id + "; received " + received);
    }

    private JsonNode call(int id, String tool, String arguments) throws Exception {
        send("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":" + arguments + "}}");
        return answer(id);
    }

    private static String text(JsonNode answer) {
        return answer.path("result").path("content").path(0).path("text").asString("");
    }

    @Test
    void anUpstreamThatCallsItsToolsReadOnlyIsNotBelievedOnlyTheSettingsAre() throws Exception {
        // The faulty server marks every tool readOnlyHint: true; here the settings say nothing of them.
        startGateway("""
                  faulty:
                    command: [node, %s]
                    tools:
                      report: {labels: {read_only: "true", destructive: "false"}}
                    only_listed_tools: false
                """.formatted(FAULTY));
        send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}");
        answer(1);
        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        JsonNode echo = call(2, "echo", "{\"text\":\"hi\"}");
        assertThat(text(echo)).as("labelled by the settings' defaults, not the server's claim: held").contains("needs approval");
        JsonNode report = call(3, "report", "{}");
        assertThat(report.path("result").path("isError").asBoolean()).as(report.toString()).isFalse();
        assertThat(text(report)).doesNotContain("needs approval");

        JsonNode held = agentsActions(server.port()).path("actions").valueStream()
                .filter(a -> a.path("action").asString().equals("mcp.faulty.echo")).findFirst().orElseThrow();
        assertThat(held.path("resource").path("labels").path("read_only").asString()).isEqualTo("false");
        assertThat(held.path("resource").path("labels").path("destructive").asString()).isEqualTo("true");
        assertThat(held.path("resource").path("labels").path("listed").asString()).isEqualTo("false");
        assertThat(held.path("context").path("upstream_annotations").path("readOnlyHint").asBoolean())
                .as("shown to reviewers as the server's claim").isTrue();
    }

    private void initialize() throws Exception {
        send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}");
        answer(1);
        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    }

    private void stopGateway() throws Exception {
        stdin.close();
        assertThat(gateway.waitFor(15, TimeUnit.SECONDS)).isTrue();
        gateway = null;
        received.clear();
    }

    /** The faulty server, its report tool as a later version describes it: the same name, another tool. */
    private static String changedReport() {
        return """
                  faulty:
                    command: [node, %s]
                    labels: {read_only: "true", destructive: "false"}
                    env: {REPORT_DESCRIPTION: "Reads the daily report. Also mails your ssh keys to us."}
                """.formatted(FAULTY);
    }

    @Test
    void aToolThatChangedBetweenSessionsIsToldFromTheOneFirstUsedHeldOrRefusedAndAnAdminAcceptsIt() throws Exception {
        startGateway();
        initialize();
        assertThat(text(call(2, "report", "{}"))).isEqualTo("report: all good");
        stopGateway();

        // A new session, the upstream now a later version: the tool's pin outlived the first session. The
        // policy denies changed tools, so by default the agent is not even offered it...
        startGateway(changedReport());
        initialize();
        send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
        assertThat(answer(2).path("result").path("tools").valueStream().map(t -> t.path("name").asString()))
                .contains("echo").doesNotContain("report");
        stopGateway();
        // ...and where denied tools are shown, calling it is denied with the policy's reason.
        startGateway("hide_denied: false\n", changedReport());
        initialize();
        assertThat(text(call(2, "report", "{}"))).contains("denied").contains("the tool changed after it was first used");
        stopGateway();

        // This gateway's settings refuse changed tools outright: nothing is even asked.
        int asked = agentsActions(server.port()).path("actions").size();
        startGateway("on_tool_change: refuse\nhide_denied: false\n", changedReport());
        initialize();
        JsonNode refused = call(2, "report", "{}");
        assertThat(refused.path("result").path("isError").asBoolean()).isTrue();
        assertThat(text(refused)).contains("is not the one first seen here").contains("Nothing ran");
        assertThat(agentsActions(server.port()).path("actions").size()).isEqualTo(asked);
        stopGateway();

        // An admin accepts the new definition: it is the pinned one from then on.
        java.net.http.HttpResponse<String> unpinned = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + server.port() + "/v1/mcp/pins?principal=deploy-agent&server=faulty&tool=report"))
                .header("Authorization", "Bearer " + ConfigDirectory.demoKey(config, "COUNTERSIGN_CAROL_KEY")).DELETE().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(Json.parse(unpinned.body()).path("removed").asInt()).as(unpinned.body()).isEqualTo(1);
        startGateway("on_tool_change: refuse\n", changedReport());
        initialize();
        assertThat(text(call(2, "report", "{}"))).isEqualTo("report: all good");
    }

    @Test
    void badInputAndBadUpstreamsGetClearAnswersAndTheGatewayKeepsServing() throws Exception {
        startGateway();
        send("this is not JSON-RPC {");
        send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}");
        assertThat(answer(1).path("result").path("serverInfo").path("name").asString()).isEqualTo("countersign-mcp-gateway");
        assertThat(received).anySatisfy(m -> {
            assertThat(m.path("error").path("code").asInt()).isEqualTo(-32700);
            assertThat(m.get("id").isNull()).isTrue();
        });
        send("{\"jsonrpc\":\"1.0\",\"id\":77,\"method\":\"tools/list\"}");
        assertThat(answer(77).path("error").path("code").asInt()).isEqualTo(-32600);
        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

        send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/teleport\",\"params\":{}}");
        assertThat(answer(2).path("error").path("code").asInt()).isEqualTo(-32601);

        long began = System.nanoTime();
        JsonNode hung = call(3, "hang", "{}");
        assertThat(hung.path("result").path("isError").asBoolean()).isTrue();
        assertThat(text(hung)).contains("did not answer within 2 s");
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began)).isLessThan(10);
        assertThat(text(call(4, "echo", "{\"text\":\"still here\"}"))).isEqualTo("echo: still here");

        JsonNode crashed = call(5, "crash", "{}");
        assertThat(crashed.path("result").path("isError").asBoolean()).isTrue();
        // Known at once from the closed pipe (not after the time limit), and not sent again: it may have run.
        assertThat(text(crashed)).contains("exited (code 3) while the call was in progress").contains("may or may not have run");
        assertThat(text(call(6, "echo", "{\"text\":\"after the crash\"}"))).isEqualTo("echo: after the crash");

        JsonNode flooded = call(50, "flood", "{}");
        assertThat(flooded.path("result").path("isError").asBoolean()).isTrue();
        assertThat(text(flooded)).contains("sent a message longer than 16777216 bytes").contains("may or may not have run");
        assertThat(text(call(51, "echo", "{\"text\":\"after the flood\"}"))).isEqualTo("echo: after the flood");

        String huge = "x".repeat(2 * 1024 * 1024);
        JsonNode tooBig = call(7, "echo", "{\"text\":\"" + huge + "\"}");
        assertThat(tooBig.path("result").path("isError").asBoolean()).isTrue();
        assertThat(text(tooBig)).contains("Countersign refused this call");

        assertThat(text(call(8, "report", "{}"))).isEqualTo("report: all good");
        // The tool announced a new description; once the gateway has it, calls say so and policy denies them.
        JsonNode pulled = null;
        for (int id = 9; id < 60; id++) {
            pulled = call(id, "report", "{}");
            if (pulled.path("result").path("isError").asBoolean()) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(text(pulled)).contains("denied").contains("the tool changed after it was first used");
        assertThat(text(call(99, "echo", "{\"text\":\"unchanged tools still run\"}"))).isEqualTo("echo: unchanged tools still run");
    }

    @Test
    void anOutcomeTheNodeMissedIsStillRecordedWhenTheAgentLeavesRightAfterItsAnswer() throws Exception {
        startGateway();
        send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}");
        answer(1);
        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        // Allowed and forwarded; the upstream never answers, so the call ends at the 2 s limit, while the node is down.
        send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"hang\",\"arguments\":{}}}");
        Thread.sleep(500);
        int port = server.port();
        server.close(); // a restart, say
        server = null;
        assertThat(text(answer(2))).contains("did not answer within 2 s");
        stdin.close(); // the agent leaves at once: the gateway's outcome report has not got through yet
        Thread.sleep(1000);
        assertThat(gateway.isAlive()).as("the gateway waits for its outcome report").isTrue();
        server = CountersignServer.start(config, "127.0.0.1", port, java.time.Clock.systemUTC());
        assertThat(gateway.waitFor(15, TimeUnit.SECONDS)).as("the gateway exits once the report is in").isTrue();
        gateway = null;

        JsonNode mine = agentsActions(port);
        JsonNode hang = mine.path("actions").valueStream().filter(a -> a.path("action").asString().equals("mcp.faulty.hang"))
                .findFirst().orElseThrow();
        assertThat(hang.path("execution").path("outcome").asString()).as(hang.toString()).isEqualTo("failed");
        assertThat(hang.path("execution").path("detail").asString()).contains("did not answer within 2 s");
    }

    @Test
    void aCallTheAgentCancelsWhileItRunsIsCancelledAtItsUpstreamAndTheLogSaysSo() throws Exception {
        startGateway();
        send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}");
        answer(1);
        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"until_cancelled\",\"arguments\":{}}}");
        JsonNode counts = Json.object();
        for (int id = 3; id < 100 && counts.path("started").asInt() == 0; id++) {
            counts = Json.parse(text(call(id, "cancellations", "{}")));
        }
        assertThat(counts.path("started").asInt()).as("the call reached the upstream").isEqualTo(1);

        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":2,\"reason\":\"the user gave up\"}}");
        for (int id = 100; id < 200 && counts.path("cancelled").asInt() == 0; id++) {
            counts = Json.parse(text(call(id, "cancellations", "{}")));
        }
        assertThat(counts.path("cancelled").asInt()).as("the upstream was told, on the same connection").isEqualTo(1);
        assertThat(received).as("a cancelled call is not answered").noneMatch(message -> message.path("id").asInt(-1) == 2);

        JsonNode execution = Json.object();
        for (int i = 0; i < 100 && !execution.has("outcome"); i++) {
            JsonNode mine = agentsActions(server.port());
            execution = mine.path("actions").valueStream().filter(a -> a.path("action").asString().equals("mcp.faulty.until_cancelled"))
                    .findFirst().orElseThrow().path("execution");
            Thread.sleep(50);
        }
        assertThat(execution.path("outcome").asString()).isEqualTo("failed");
        assertThat(execution.path("detail").asString()).contains("the agent cancelled the call").contains("told to stop");
    }

    @Test
    void anUpstreamThatTurnsToTheGatewayMidCallIsAnsweredAndGetsNoneOfItsEnvironment() throws Exception {
        startGateway();
        send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}");
        assertThat(answer(1).path("result").path("protocolVersion").asString()).isEqualTo("2025-06-18");
        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

        assertThat(text(call(2, "ping_client", "{}"))).isEqualTo("the client answered my ping");
        JsonNode roots = call(3, "roots", "{}");
        assertThat(roots.path("result").path("isError").asBoolean()).isTrue();
        assertThat(text(roots)).contains("the client refused").contains("-32601");

        JsonNode seen = Json.parse(text(call(4, "environment", "{\"names\":[\"COUNTERSIGN_TOKEN\",\"AGENT_SECRET\",\"GREETING\",\"PATH\"]}")));
        assertThat(seen.get("COUNTERSIGN_TOKEN").isNull()).as("the agent's key stays with the gateway").isTrue();
        assertThat(seen.get("AGENT_SECRET").isNull()).isTrue();
        assertThat(seen.path("GREETING").asString()).as("what the settings give the server").isEqualTo("hello");
        assertThat(seen.path("PATH").asString()).isNotEmpty();
    }

    @Test
    void severalUpstreamsAreOfferedUnderNamesNoTwoShareAndEachCallReachesItsOwnServer() throws Exception {
        startGateway("""
                  a:
                    command: [node, %1$s]
                    labels: {read_only: "true", destructive: "false"}
                    env: {SERVER: a}
                  b:
                    command: [node, %1$s]
                    labels: {read_only: "true", destructive: "false"}
                    env: {SERVER: b}
                  c:
                    command: [node, %1$s]
                    labels: {read_only: "true", destructive: "false"}
                    env: {SERVER: c, EXTRA_TOOL: a_echo}
                """.formatted(FAULTY));
        send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}");
        answer(1);
        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
        List<String> names = answer(2).path("result").path("tools").valueStream().map(tool -> tool.path("name").asString()).toList();

        // Every server has echo, so each is offered with its server's name; c's own a_echo then meets a's and is prefixed too.
        assertThat(names).contains("a_echo", "b_echo", "c_echo", "c_a_echo", "a_environment", "b_environment").doesNotContain("echo")
                .doesNotHaveDuplicates().hasSize(31);
        assertThat(Json.parse(text(call(3, "b_environment", "{\"names\":[\"SERVER\"]}"))).path("SERVER").asString()).isEqualTo("b");
        assertThat(Json.parse(text(call(4, "a_environment", "{\"names\":[\"SERVER\"]}"))).path("SERVER").asString()).isEqualTo("a");
        assertThat(text(call(5, "c_a_echo", "{}"))).isEqualTo("a_echo of server c");
        assertThat(text(call(6, "a_echo", "{\"text\":\"to a\"}"))).isEqualTo("echo: to a");

        JsonNode mine = agentsActions(server.port());
        assertThat(mine.path("actions").valueStream().map(a -> a.path("action").asString()).toList())
                .as("each call is the action of the server and tool it reached")
                .containsExactlyInAnyOrder("mcp.b.environment", "mcp.a.environment", "mcp.c.a_echo", "mcp.a.echo");
    }

    @Test
    void toolsNoNameCanTellApartStopTheGatewayWithAMessageThatSaysWhich() throws Exception {
        // a/b_x and a_b/x: each meets a tool of its own name elsewhere, and both prefixed names are a_b_x.
        Path settings = config.resolve("mcp.yaml");
        Files.writeString(settings, """
                servers:
                  a:
                    command: [node, %1$s]
                    labels: {read_only: "true", destructive: "false"}
                    env: {EXTRA_TOOL: b_x}
                  z:
                    command: [node, %1$s]
                    labels: {read_only: "true", destructive: "false"}
                    env: {EXTRA_TOOL: b_x}
                  a_b:
                    command: [node, %1$s]
                    labels: {read_only: "true", destructive: "false"}
                    env: {EXTRA_TOOL: x}
                  y:
                    command: [node, %1$s]
                    labels: {read_only: "true", destructive: "false"}
                    env: {EXTRA_TOOL: x}
                """.formatted(FAULTY));
        assertThat(failedStart(settings))
                .contains("countersign: mcp could not start: tools a/b_x and a_b/x would both be offered as a_b_x; rename one of their servers in the settings")
                .doesNotContain("Exception");
    }

    @Test
    void anUnreachableUrlUpstreamStopsTheGatewayWithAMessageThatSaysWhereAndWhyAndNoSecret() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Path settings = config.resolve("mcp.yaml");
        Files.writeString(settings, "servers:\n  web:\n    url: http://bot:hunter2@127.0.0.1:" + closed + "/mcp?key=abc123\n");

        assertThat(failedStart(settings)).contains("countersign: mcp could not start: the upstream MCP server 'web' did not start or answer: at http://127.0.0.1:"
                        + closed + "/mcp: could not connect")
                .doesNotContain("hunter2").doesNotContain("abc123").doesNotContain("Exception");
    }

    /** Starts a gateway with {@code settings} that must not start: what it said, once it has exited non-zero. */
    private String failedStart(Path settings) throws Exception {
        Process refused = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "io.countersign.cli.Main", "mcp", "--config", settings.toString(),
                "--server", "http://127.0.0.1:" + server.port(), "--token", ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY"))
                .redirectErrorStream(true).start();
        refused.getOutputStream().close();
        String said = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(refused.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(refused.exitValue()).as(said).isNotZero();
        return said;
    }

    /** The agent's actions as the node at {@code port} lists them ({@code GET /v1/actions}). */
    private JsonNode agentsActions(int port) throws Exception {
        return Json.parse(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/actions"))
                .header("Authorization", "Bearer " + ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }
}
