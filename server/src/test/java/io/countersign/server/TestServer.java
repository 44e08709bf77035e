package io.countersign.server;

import io.countersign.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/**
 * A real Countersign node for tests: the shipped example configuration in a temporary directory, plus
 * a policy file with short-lived and race-friendly rules, on a random port, driven over HTTP.
 */
final class TestServer implements AutoCloseable {
    static final String TEST_POLICY = """
            version: 1
            rules:
              - id: short-lived
                when: action == "test.short"
                effect: require_approval
                approvals: {min: 1, from: [sre]}
                ttl: 2s
              - id: quick-grants
                when: action == "test.quickgrant"
                effect: allow
                grant_ttl: 30s
              - id: any-reviewer
                when: action == "test.race"
                effect: require_approval
                approvals: {min: 1, from: [sre, data-owners]}
                ttl: 10m
            """;

    /** Resources the tests' connectors act on, added to the example's inventory. */
    static final String TEST_RESOURCES = """
              # Added for the tests:
              - {type: host, id: staging-web, env: staging}
              - {type: host, id: prod-web, env: prod}
              - {type: postgres.database, id: test, env: staging}
              - {type: iam.directory, id: staging, env: staging}
              - {type: iam.directory, id: prod, env: prod}
              - {type: postgres.table, id: dev/*, env: dev}
              - {type: postgres.table, id: qa/*, env: qa}
              - {type: k8s.deployment, id: payments/*, env: dev}
            """;

    record Answer(int status, JsonNode body) {
        String id() {
            return body.path("id").asString();
        }

        /** Ids of the actions in a listing, in order. */
        java.util.List<String> ids() {
            return body.path("actions").values().stream().map(a -> a.path("id").asString()).toList();
        }

        String error() {
            return body.path("error").path("code").asString();
        }
    }

    final Path directory;
    private final HttpClient http = HttpClient.newHttpClient();
    private CountersignServer server;

    private final int port;

    private TestServer(Path directory, int port) {
        this.directory = directory;
        this.port = port;
        this.server = CountersignServer.start(directory, "127.0.0.1", port, Clock.systemUTC());
    }

    static TestServer start(Path directory) {
        return start(directory, 0);
    }

    /** On {@code port} (0: any free one), for tests whose config must name the node's own address. */
    static TestServer start(Path directory, int port) {
        ConfigDirectory.ensureExample(directory);
        try {
            Files.writeString(directory.resolve("policies/test-rules.yaml"), TEST_POLICY);
            Path resources = directory.resolve("resources.yaml");
            if (!Files.readString(resources).contains(TEST_RESOURCES)) {
                Files.writeString(resources, Files.readString(resources) + TEST_RESOURCES);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new TestServer(directory, port);
    }

    /** A port free right now, for a node that must know its address before it starts. */
    static int freePort() {
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void restart() {
        restart(() -> { });
    }

    /** Stops the node, does {@code whileStopped} (as an operator would to its files), and starts it again. */
    void restart(Runnable whileStopped) {
        server.close();
        whileStopped.run();
        server = CountersignServer.start(directory, "127.0.0.1", port, Clock.systemUTC());
    }

    String key(String who) {
        return ConfigDirectory.demoKey(directory, "COUNTERSIGN_" + who.toUpperCase() + "_KEY");
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    Answer get(String who, String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), who);
    }

    /** A body that is not JSON (a signed note, a tile, a proof file), with its status and content type. */
    record Raw(int status, byte[] body, String contentType) {
        String text() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    Raw getRaw(String who, String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (who != null) {
            request.header("Authorization", "Bearer " + key(who));
        }
        try {
            HttpResponse<byte[]> response = http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Raw(response.statusCode(), response.body(), response.headers().firstValue("content-type").orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The audit log's entries about one action, in log order, as an auditor reads them over the API. */
    java.util.List<JsonNode> auditEntries(String actionId) {
        java.util.List<JsonNode> entries = new java.util.ArrayList<>();
        long size = server.checkpointer().sign().size();
        for (long i = 0; i < size; i++) {
            JsonNode entry = get("alice", "/v1/audit/entries/" + i).body().path("entry");
            if (actionId.equals(entry.path("action_id").asString())) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /** The audit log's entries of one type (system events too), in log order, as carol (a human the tests leave alone) reads them. */
    java.util.List<JsonNode> auditEntriesOfType(String type) {
        java.util.List<JsonNode> entries = new java.util.ArrayList<>();
        long size = server.checkpointer().sign().size();
        for (long i = 0; i < size; i++) {
            JsonNode entry = get("carol", "/v1/audit/entries/" + i).body().path("entry");
            if (type.equals(entry.path("type").asString())) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /**
     * Signs {@code who} in to the console with the demo sign-in, as a browser does (the sign-in page's CSRF
     * cookie and token with the key); returns the session cookie, {@code countersign_session=...}.
     */
    String consoleSignIn(String who) {
        try {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(uri("/login")).GET().build(), HttpResponse.BodyHandlers.ofString());
            String loginCookie = page.headers().firstValue("set-cookie").orElseThrow();
            java.util.regex.Matcher token = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page.body());
            if (!token.find()) {
                throw new AssertionError("the sign-in page has no CSRF token: " + page.body());
            }
            HttpResponse<String> signedIn = http.send(HttpRequest.newBuilder(uri("/login/demo"))
                    .header("Cookie", loginCookie.substring(0, loginCookie.indexOf(';')))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("key=" + java.net.URLEncoder.encode(key(who), java.nio.charset.StandardCharsets.UTF_8)
                            + "&_csrf=" + token.group(1) + "&next=%2Finbox")).build(), HttpResponse.BodyHandlers.ofString());
            return signedIn.headers().allValues("set-cookie").stream().filter(c -> c.startsWith("countersign_session="))
                    .map(c -> c.substring(0, c.indexOf(';'))).findFirst()
                    .orElseThrow(() -> new AssertionError("no session for " + who + ": " + signedIn.statusCode() + " " + signedIn.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A console page as {@code who} sees it, signed in with the demo sign-in. */
    String consolePage(String who, String path) {
        try {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(uri(path)).header("Cookie", consoleSignIn(who)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (page.statusCode() != 200) {
                throw new AssertionError(path + " answered " + page.statusCode());
            }
            return page.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A GET with this API key (one not among the demo's). */
    Answer getWithKey(String key, String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().header("Authorization", "Bearer " + key), null);
    }

    /** A POST with this API key (one not among the demo's). */
    Answer postWithKey(String key, String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json").header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body)), null);
    }

    /** Starts a node whose connectors file is {@code connectorsYaml}. */
    static TestServer withConnectors(Path directory, String connectorsYaml) {
        ConfigDirectory.ensureExample(directory);
        try {
            Files.writeString(directory.resolve("connectors.yaml"), connectorsYaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return start(directory);
    }

    CountersignServer node() {
        return server;
    }

    Answer post(String who, String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)), who);
    }

    Answer delete(String who, String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE(), who);
    }

    Answer review(String who, String id, String decision, String comment) {
        var body = Json.object();
        body.put("decision", decision);
        if (comment != null) {
            body.put("comment", comment);
        }
        return post(who, "/v1/actions/" + id + "/reviews", Json.text(body));
    }

    /** A request about the customers table of {@code env} ({@code prod/customers}, {@code dev/customers}, ...), which the inventory knows. */
    static String request(String action, String env, String extra) {
        return """
                {"action": "%s", "resource": {"type": "postgres.table", "id": "%s/customers", "env": "%s"},
                 "intent": {"summary": "Export customers for churn model"}%s}
                """.formatted(action, env, env, extra);
    }

    static String piiExport(String ticket) {
        return """
                {"action": "db.export",
                 "resource": {"type": "postgres.table", "id": "prod/customers", "env": "prod", "labels": {"data_class": "pii"}},
                 "intent": {"summary": "Export customers for churn model", "reason": "quarterly model refresh"%s},
                 "payload": {"sql": "COPY customers TO STDOUT"},
                 "context": {"rows_estimate": 1200000, "agent_run": "run-77"}}
                """.formatted(ticket == null ? "" : ", \"ticket\": \"" + ticket + "\"");
    }

    private Answer send(HttpRequest.Builder request, String who) {
        if (who != null) {
            request.header("Authorization", "Bearer " + key(who));
        }
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), Json.parse(response.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
