package io.countersign.cli;

import io.countersign.mcp.McpPeers;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The MCP gateway end to end with peers nobody here wrote: an agent built on the official TypeScript
 * MCP SDK starts {@code countersign mcp}, which fronts the reference filesystem server from the npm
 * registry. Reviewers act through Countersign's API between the agent's steps.
 */
class McpGatewayTest {
    static final Path PEERS = McpPeers.DIRECTORY;
    static final String POLICY = """
            version: 1
            rules:
              - id: mcp-reads
                when: action.startsWith("mcp.") && resource.labels.read_only == "true"
                effect: allow
              - id: mcp-writes
                when: action.startsWith("mcp.") && resource.labels.destructive == "true"
                effect: require_approval
                approvals: {min: 1, from: [sre]}
                ttl: 10m
              - id: mcp-no-secrets
                when: action == "mcp.fs.write_file" && payload.arguments.path.contains("secret")
                effect: deny
                reason: writing secrets is not allowed
              - id: mcp-no-moves
                when: action == "mcp.fs.move_file"
                effect: deny
                reason: moving files is not allowed here
            """;

    @TempDir
    Path config;

    @TempDir
    Path files;

    CountersignServer server;
    Process agent;
    Process httpGateway;
    Path gatewayConfig;
    Writer steps;
    BufferedReader answers;
    final HttpClient http = HttpClient.newHttpClient();
    /** More of the agent's environment, which the gateway it starts inherits. */
    final java.util.Map<String, String> agentEnvironment = new java.util.HashMap<>();
    /** A Streamable HTTP upstream some test started. */
    Process httpUpstream;

    @BeforeEach
    void start() throws Exception {
        server = McpPeers.startNode(config, POLICY);
        Files.writeString(files.resolve("hello.txt"), "hello from the filesystem server\n");
        Path gatewayConfig = config.resolve("mcp.yaml");
        Files.writeString(gatewayConfig, """
                env: dev
                hold: 1s
                servers:
                  fs:
                    command: [node, %s, %s]
                    # What the filesystem server's tools do, as the operator knows it (not as the server claims).
                    tools:
                      read_text_file: {labels: {read_only: "true", destructive: "false"}}
                      read_file: {labels: {read_only: "true", destructive: "false"}}
                      list_directory: {labels: {read_only: "true", destructive: "false"}}
                      write_file: {labels: {destructive: "true"}}
                """.formatted(PEERS.resolve("node_modules/@modelcontextprotocol/server-filesystem/dist/index.js").toAbsolutePath(),
                files.toRealPath()));
        this.gatewayConfig = gatewayConfig;
    }

    /** Starts the TypeScript agent; with {@code url}, it talks to a gateway already serving HTTP there. */
    private void startAgent(String url) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("node", PEERS.resolve("agent.mjs").toAbsolutePath().toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put("GATEWAY_JAVA", java());
        builder.environment().put("GATEWAY_CLASSPATH", System.getProperty("java.class.path"));
        builder.environment().put("GATEWAY_CONFIG", gatewayConfig.toString());
        builder.environment().put("COUNTERSIGN_SERVER", "http://127.0.0.1:" + server.port());
        builder.environment().put("COUNTERSIGN_TOKEN", key("AGENT"));
        if (url != null) {
            builder.environment().put("GATEWAY_URL", url);
        }
        builder.environment().putAll(agentEnvironment);
        agent = builder.start();
        steps = new java.io.OutputStreamWriter(agent.getOutputStream(), StandardCharsets.UTF_8);
        answers = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The agent quits, and with it the gateway it started on stdio. */
    private void stopAgent() throws Exception {
        steps.write("{\"op\":\"quit\"}\n");
        steps.flush();
        if (!agent.waitFor(20, TimeUnit.SECONDS)) {
            agent.destroyForcibly();
        }
        agent = null;
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            stopAgent();
        }
        if (httpGateway != null) {
            httpGateway.destroy();
            if (!httpGateway.waitFor(15, TimeUnit.SECONDS)) {
                httpGateway.destroyForcibly();
            }
        }
        if (httpUpstream != null) {
            httpUpstream.destroy();
        }
        if (server != null) {
            server.close();
        }
    }

    private String key(String who) {
        return ConfigDirectory.demoKey(config, "COUNTERSIGN_" + who + "_KEY");
    }

    /** One step of the agent, and what it saw. */
    private JsonNode step(String json) throws IOException {
        steps.write(json.replace('\n', ' ') + "\n");
        steps.flush();
        String line = answers.readLine();
        assertThat(line).as("the agent answered " + json).isNotNull();
        return Json.parse(line);
    }

    private JsonNode call(String tool, String arguments) throws IOException {
        return step("{\"op\":\"call\",\"tool\":\"" + tool + "\",\"arguments\":" + arguments + "}");
    }

    private JsonNode api(String path, String who, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + key(who));
        request = body == null ? request.GET() : request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        return Json.parse(http.send(request.build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private String writeArguments(String name, String content) {
        return Json.text(Json.MAPPER.valueToTree(java.util.Map.of("path", files.resolve(name).toString(), "content", content)));
    }

    @Test
    void readsPassWritesWaitForAReviewerAndRunOnceDeniedCallsSayWhy() throws Exception {
        startAgent(null);
        JsonNode listed = step("{\"op\":\"list\"}");
        List<String> names = listed.path("tools").valueStream().map(t -> t.path("name").asString()).toList();
        assertThat(names).contains("read_text_file", "write_file", "list_directory").doesNotContain("move_file");

        JsonNode read = call("read_text_file", Json.text(Json.MAPPER.valueToTree(java.util.Map.of("path", files.resolve("hello.txt").toString()))));
        assertThat(read.path("isError").asBoolean()).as(read.toString()).isFalse();
        assertThat(read.path("text").asString()).contains("hello from the filesystem server");

        JsonNode held = call("write_file", writeArguments("out.txt", "first version"));
        assertThat(held.path("isError").asBoolean()).as(held.toString()).isFalse();
        assertThat(held.path("text").asString()).contains("needs approval").contains("Nothing ran yet");
        String id = held.path("meta").path("countersign/request").asString();
        assertThat(id).startsWith("act_");
        assertThat(files.resolve("out.txt")).doesNotExist();
        JsonNode action = api("/v1/actions/" + id, "ALICE", null);
        assertThat(action.path("action").asString()).isEqualTo("mcp.fs.write_file");
        assertThat(action.path("resource").path("labels").path("destructive").asString()).isEqualTo("true");
        assertThat(action.path("payload").path("arguments").path("content").asString()).isEqualTo("first version");

        // The same call again, still undecided: the same request, not a second one.
        assertThat(call("write_file", writeArguments("out.txt", "first version")).path("meta").path("countersign/request").asString()).isEqualTo(id);

        assertThat(api("/v1/actions/" + id + "/reviews", "ALICE", "{\"decision\": \"approve\", \"comment\": \"ok\"}").path("status").asString())
                .isEqualTo("approved");
        JsonNode ran = call("write_file", writeArguments("out.txt", "first version"));
        assertThat(ran.path("isError").asBoolean()).as(ran.toString()).isFalse();
        assertThat(Files.readString(files.resolve("out.txt"))).isEqualTo("first version");

        // Run once: the same call after it ran asks anew.
        JsonNode again = call("write_file", writeArguments("out.txt", "first version"));
        String second = again.path("meta").path("countersign/request").asString();
        assertThat(second).startsWith("act_").isNotEqualTo(id);
        api("/v1/actions/" + second + "/reviews", "ALICE", "{\"decision\": \"approve\"}");
        // Changed arguments are another action: the approval of the first does not carry over.
        JsonNode changed = call("write_file", writeArguments("out.txt", "tampered"));
        assertThat(changed.path("text").asString()).contains("needs approval");
        assertThat(changed.path("meta").path("countersign/request").asString()).isNotEqualTo(second);
        assertThat(Files.readString(files.resolve("out.txt"))).isEqualTo("first version");

        JsonNode denied = call("write_file", writeArguments("secret.txt", "k"));
        assertThat(denied.path("isError").asBoolean()).isTrue();
        assertThat(denied.path("text").asString()).contains("denied").contains("writing secrets is not allowed");
        assertThat(files.resolve("secret.txt")).doesNotExist();

        // Denied outright, so not even offered: the agent's call is an unknown tool (JSON-RPC invalid params).
        JsonNode hidden = call("move_file", "{\"source\": \"a\", \"destination\": \"b\"}");
        assertThat(hidden.path("code").asInt()).as(hidden.toString()).isEqualTo(-32602);

        // The first request ran exactly once, and the log says how it went.
        JsonNode outcome = null;
        for (int i = 0; i < 100 && (outcome == null || outcome.path("execution").path("outcome").isMissingNode()); i++) {
            outcome = api("/v1/actions/" + id, "ALICE", null);
            Thread.sleep(50);
        }
        assertThat(outcome.path("status").asString()).isEqualTo("executed");
        assertThat(outcome.path("execution").path("outcome").asString()).isEqualTo("succeeded");
    }

    @Test
    void aCallApprovedAfterItsSessionEndedRunsOnceWhenTheAgentRetriesItInANewOne() throws Exception {
        startAgent(null);
        JsonNode held = call("write_file", writeArguments("later.txt", "approved overnight"));
        String id = held.path("meta").path("countersign/request").asString();
        assertThat(id).as(held.toString()).startsWith("act_");
        stopAgent();
        assertThat(api("/v1/actions/" + id + "/reviews", "ALICE", "{\"decision\": \"approve\"}").path("status").asString()).isEqualTo("approved");

        startAgent(null); // a new session: a new gateway, which never saw the first call
        JsonNode ran = call("write_file", writeArguments("later.txt", "approved overnight"));
        assertThat(ran.path("isError").asBoolean()).as(ran.toString()).isFalse();
        assertThat(Files.readString(files.resolve("later.txt"))).isEqualTo("approved overnight");
        assertThat(api("/v1/actions/" + id, "ALICE", null).path("status").asString()).as("the approved request ran, no second one")
                .isIn("executing", "executed");
        JsonNode again = call("write_file", writeArguments("later.txt", "approved overnight"));
        assertThat(again.path("meta").path("countersign/request").asString()).as("once run, the same call asks anew").isNotEqualTo(id);
    }

    @Test
    void aCallTheAgentCancelsWhileHeldNeverRunsEvenWhenApprovedButItsRetryDoesOnce() throws Exception {
        Files.writeString(gatewayConfig, Files.readString(gatewayConfig).replace("hold: 1s", "hold: 60s"));
        startAgent(null);
        JsonNode cancelled = step("{\"op\":\"cancel\",\"tool\":\"write_file\",\"arguments\":" + writeArguments("late.txt", "too late") + ",\"after\":1500}");
        assertThat(cancelled.path("cancelled").asBoolean()).as(cancelled.toString()).isTrue();

        JsonNode pending = api("/v1/actions?status=pending", "ALICE", null).path("actions");
        assertThat(pending.size()).as(pending.toString()).isEqualTo(1);
        String id = pending.get(0).path("id").asString();
        assertThat(pending.get(0).path("action").asString()).isEqualTo("mcp.fs.write_file");
        // The gateway was still holding the call when the agent gave up; the approval now must not run it.
        assertThat(api("/v1/actions/" + id + "/reviews", "ALICE", "{\"decision\": \"approve\"}").path("status").asString()).isEqualTo("approved");
        Thread.sleep(2000);
        assertThat(files.resolve("late.txt")).as("nobody waits for this call's result any more").doesNotExist();
        assertThat(api("/v1/actions/" + id, "ALICE", null).path("status").asString()).isEqualTo("approved");

        JsonNode retried = call("write_file", writeArguments("late.txt", "too late"));
        assertThat(retried.path("isError").asBoolean()).as(retried.toString()).isFalse();
        assertThat(Files.readString(files.resolve("late.txt"))).isEqualTo("too late");
        assertThat(api("/v1/actions/" + id, "ALICE", null).path("status").asString()).as("the retry ran the approved request")
                .isIn("executing", "executed");
    }

    @Test
    void overStreamableHttpTheSameRulesHold() throws Exception {
        httpGateway = new ProcessBuilder(java(), "-cp", System.getProperty("java.class.path"), "io.countersign.cli.Main", "mcp",
                "--config", gatewayConfig.toString(), "--http", "127.0.0.1:0", "--server", "http://127.0.0.1:" + server.port(),
                "--token", key("AGENT")).start();
        BufferedReader log = new BufferedReader(new InputStreamReader(httpGateway.getErrorStream(), StandardCharsets.UTF_8));
        String url = null;
        for (String line; url == null && (line = log.readLine()) != null; ) {
            int at = line.indexOf("serving MCP on ");
            if (at >= 0) {
                url = line.substring(at + "serving MCP on ".length()).strip();
            }
        }
        assertThat(url).as("the gateway said where it serves").startsWith("http://127.0.0.1:").endsWith("/mcp");
        Thread.ofVirtual().start(() -> log.lines().forEach(System.err::println));
        startAgent(url);

        assertThat(step("{\"op\":\"list\"}").path("tools").valueStream().map(t -> t.path("name").asString()).toList())
                .contains("read_text_file", "write_file").doesNotContain("move_file");
        JsonNode read = call("read_text_file", Json.text(Json.MAPPER.valueToTree(java.util.Map.of("path", files.resolve("hello.txt").toString()))));
        assertThat(read.path("text").asString()).contains("hello from the filesystem server");
        JsonNode held = call("write_file", writeArguments("http.txt", "over http"));
        String id = held.path("meta").path("countersign/request").asString();
        assertThat(id).startsWith("act_");
        api("/v1/actions/" + id + "/reviews", "ALICE", "{\"decision\": \"approve\"}");
        assertThat(call("write_file", writeArguments("http.txt", "over http")).path("isError").asBoolean()).isFalse();
        assertThat(Files.readString(files.resolve("http.txt"))).isEqualTo("over http");

        // Reaching the port is not enough to act as the agent: the request carries the agent's key.
        String initialize = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"someone\",\"version\":\"1\"}}}";
        HttpRequest.Builder anonymous = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream").POST(HttpRequest.BodyPublishers.ofString(initialize));
        HttpResponse<String> keyless = http.send(anonymous.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(keyless.statusCode()).isEqualTo(401);
        assertThat(keyless.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(Json.parse(keyless.body()).path("error").path("message").asString()).contains("Authorization: Bearer");
        HttpResponse<String> wrongKey = http.send(anonymous.header("Authorization", "Bearer " + key("ALICE")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrongKey.statusCode()).as("another principal's key is not the agent's").isEqualTo(401);
        assertThat(wrongKey.body()).doesNotContain(key("ALICE")).doesNotContain(key("AGENT"));

        // A page on another site cannot drive the gateway through the user's browser (DNS rebinding, CSRF).
        HttpResponse<String> foreign = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header("Origin", "http://evil.example.com").header("Authorization", "Bearer " + key("AGENT"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                        + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"evil\",\"version\":\"1\"}}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(foreign.statusCode()).isEqualTo(403);
        HttpResponse<String> rebound = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header("Origin", url.replace("/mcp", "")).header("Authorization", "Bearer " + key("AGENT"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(rebound.statusCode()).as("our own origin, with the key, is not refused").isNotIn(401, 403);
    }

    @Test
    void aUrlUpstreamGetsTheHeadersTheSettingsGiveAndItsCallsAreGatedTheSame() throws Exception {
        ProcessBuilder upstream = new ProcessBuilder("node", PEERS.resolve("http-upstream.mjs").toAbsolutePath().toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        upstream.environment().put("UPSTREAM_TOKEN", "upstream-s3cret");
        httpUpstream = upstream.start();
        String listening = new BufferedReader(new InputStreamReader(httpUpstream.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(listening).startsWith("listening on ");
        Files.writeString(gatewayConfig, """
                env: dev
                hold: 1s
                servers:
                  web:
                    url: http://127.0.0.1:%s/mcp
                    headers: {Authorization: "Bearer ${env:WEB_TOKEN}"}
                    tools:
                      echo: {labels: {read_only: "true", destructive: "false"}}
                      lines: {labels: {read_only: "true", destructive: "false"}}
                """.formatted(listening.substring("listening on ".length())));
        agentEnvironment.put("WEB_TOKEN", "upstream-s3cret");
        startAgent(null);

        assertThat(step("{\"op\":\"list\"}").path("tools").valueStream().map(t -> t.path("name").asString()).toList())
                .containsExactlyInAnyOrder("echo", "append", "lines");
        JsonNode echoed = call("echo", "{\"text\":\"hello\"}");
        assertThat(echoed.path("isError").asBoolean()).isFalse();
        assertThat(echoed.path("text").asString()).isEqualTo("echo over http: hello");

        JsonNode held = call("append", "{\"line\":\"first\"}");
        String id = held.path("meta").path("countersign/request").asString();
        assertThat(id).as(held.toString()).startsWith("act_");
        api("/v1/actions/" + id + "/reviews", "ALICE", "{\"decision\": \"approve\"}");
        JsonNode ran = call("append", "{\"line\":\"first\"}");
        assertThat(ran.path("isError").asBoolean()).as(ran.toString()).isFalse();
        assertThat(ran.path("text").asString()).isEqualTo("appended: first");
        // Other arguments are another action, held again; the approved one ran once.
        assertThat(call("append", "{\"line\":\"second\"}").path("meta").path("countersign/request").asString()).startsWith("act_").isNotEqualTo(id);
        assertThat(call("lines", "{}").path("text").asString()).isEqualTo("[\"first\"]");

        JsonNode execution = Json.object();
        for (int i = 0; i < 100 && !execution.has("outcome"); i++) {
            execution = api("/v1/actions/" + id, "AGENT", null).path("execution");
            Thread.sleep(50);
        }
        assertThat(execution.path("outcome").asString()).as(execution.toString()).isEqualTo("succeeded");
    }
}
