package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.identity.ApiKeys;
import io.countersign.json.Json;
import io.countersign.testing.LoadConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Who may call what: every endpoint against every kind of caller, the expected status of each written
 * in one table below. Each cell runs against a request of its own, made fresh by the demo agent (a
 * held production change, or an allowed read where a grant is needed), so no cell depends on another.
 * Every human reads requests, the audit log, policy and reports; an auditor is a human who only reads.
 * An admin (in no reviewer group here) is a human like the others, with one path of their own: break-glass,
 * which nobody else may take, and whose review afterwards is never theirs. The chat endpoints
 * ({@code /v1/channels/slack/interactions}, {@code /v1/channels/teams/messages}) take no API key at all:
 * the vendor's signature or token is their authentication, refused when forged, stale or replayed
 * ({@code SlackTest}, {@code TeamsTest} and their fuzz tests).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationMatrixTest {
    /** The callers, in the table's column order. */
    enum Caller {
        ANONYMOUS, WRONG_KEY, REQUESTER_AGENT, OTHER_AGENT, SERVICE, ELIGIBLE_REVIEWER, INELIGIBLE_HUMAN, AGENTS_OWNER, AUDITOR, ADMIN
    }

    /**
     * One endpoint: how to call it on a fresh fixture, and the status each caller gets, in {@link Caller}
     * order. {@code 0} in the table never appears: every cell is stated.
     */
    record Endpoint(String name, Call call, int... expected) {
    }

    @FunctionalInterface
    interface Call {
        HttpRequest.Builder build(AuthorizationMatrixTest test) throws Exception;
    }

    private static final String HELD = TestServer.request("db.migrate", "prod", "");
    private static final String WHY = "the migration must land before the outage window closes";

    static final List<Endpoint> TABLE = List.of(
            //                                                                          anon wrong  agent other  svc  elig  inel  owner audit admin
            new Endpoint("POST /v1/actions", t -> t.post("/v1/actions", HELD),          401, 401,  202,  202,  202, 202,  202,  202,  202,  202),
            new Endpoint("GET /v1/actions", t -> t.get("/v1/actions"),                  401, 401,  200,  200,  200, 200,  200,  200,  200,  200),
            new Endpoint("GET /v1/actions/{id}", t -> t.get("/v1/actions/" + t.held()), 401, 401,  200,  404,  404, 200,  200,  200,  200,  200),
            new Endpoint("GET /v1/actions/{id}?wait", t -> t.get("/v1/actions/" + t.held() + "?wait=1"),
                                                                                        401, 401,  200,  404,  404, 200,  200,  200,  200,  200),
            new Endpoint("POST /v1/actions/{id}/reviews", t -> t.post("/v1/actions/" + t.held() + "/reviews",
                    "{\"decision\": \"approve\", \"comment\": \"ok\"}"),               401, 401,  403,  404,  404, 200,  403,  403,  403,  403),
            new Endpoint("POST /v1/actions/{id}/cancel", t -> t.post("/v1/actions/" + t.held() + "/cancel", "{}"),
                                                                                        401, 401,  200,  404,  404, 403,  403,  200,  403,  403),
            new Endpoint("POST /v1/actions/{id}/break-glass", t -> t.post("/v1/actions/" + t.held() + "/break-glass",
                    "{\"justification\": \"" + WHY + "\"}"),                        401, 401,  403,  404,  404, 403,  403,  403,  403,  200),
            new Endpoint("POST /v1/actions/{id}/break-glass/review", t -> t.post("/v1/actions/" + t.brokeGlass() + "/break-glass/review",
                    "{\"verdict\": \"upheld\"}"),                                     401, 401,  403,  404,  404, 200,  403,  403,  403,  403),
            new Endpoint("GET /v1/actions?break_glass=unreviewed", t -> t.get("/v1/actions?break_glass=unreviewed"),
                                                                                        401, 401,  200,  200,  200, 200,  200,  200,  200,  200),
            new Endpoint("GET /v1/actions/{id}/proof", t -> t.get("/v1/actions/" + t.held() + "/proof"),
                                                                                        401, 401,  200,  404,  404, 200,  200,  200,  200,  200),
            new Endpoint("POST /v1/actions/{id}/outcome", t -> {
                JsonNode allowed = t.allowed();
                return t.post("/v1/actions/" + allowed.path("id").asString() + "/outcome",
                        "{\"grant\": \"" + allowed.path("grant").path("token").asString() + "\", \"status\": \"succeeded\"}");
            },                                                                          401, 401,  200,  404,  404, 403,  403,  200,  403,  403),
            new Endpoint("POST /v1/actions/{id}/execute", t -> {
                JsonNode allowed = t.allowedEcho();
                return t.post("/v1/actions/" + allowed.path("id").asString() + "/execute",
                        "{\"grant\": \"" + allowed.path("grant").path("token").asString() + "\"}");
            },                                                                          401, 401,  200,  200,  200, 200,  200,  200,  200,  200),
            new Endpoint("POST /v1/actions/{id}/claim", t -> {
                JsonNode allowed = t.allowed();
                return t.post("/v1/actions/" + allowed.path("id").asString() + "/claim",
                        "{\"grant\": \"" + allowed.path("grant").path("token").asString() + "\"}");
            },                                                                          401, 401,  200,  404,  404, 200,  200,  200,  200,  200),
            new Endpoint("POST /v1/grants/verify", t -> {
                JsonNode grant = t.allowed().path("grant");
                return t.post("/v1/grants/verify", "{\"grant\": \"" + grant.path("token").asString() + "\", \"audience\": \""
                        + grant.path("audience").asString() + "\", \"consume\": false}");
            },                                                                          401, 401,  200,  200,  200, 200,  200,  200,  200,  200),
            new Endpoint("GET /v1/policy", t -> t.get("/v1/policy"),                    401, 401,  403,  403,  403, 200,  200,  200,  200,  200),
            new Endpoint("POST /v1/policy/evaluate", t -> t.post("/v1/policy/evaluate", HELD),
                                                                                        401, 401,  200,  200,  200, 200,  200,  200,  200,  200),
            new Endpoint("POST /v1/policy/evaluate?as=deploy-agent", t -> t.post("/v1/policy/evaluate?as=deploy-agent", HELD),
                                                                                        401, 401,  200,  403,  403, 200,  200,  200,  200,  200),
            new Endpoint("GET /v1/reports/controls", t -> t.get("/v1/reports/controls"),
                                                                                        401, 401,  403,  403,  403, 200,  200,  200,  200,  200),
            new Endpoint("GET /v1/audit/checkpoint", t -> t.get("/v1/audit/checkpoint"),
                                                                                        401, 401,  403,  403,  403, 200,  200,  200,  200,  200),
            new Endpoint("GET /v1/audit/entries/{index}", t -> t.get("/v1/audit/entries/0"),
                                                                                        401, 401,  403,  403,  403, 200,  200,  200,  200,  200),
            new Endpoint("GET /v1/audit/tile/{path}", t -> t.get("/v1/audit/tile/0/000.p/1"),
                                                                                        401, 401,  403,  403,  403, 200,  200,  200,  200,  200),
            new Endpoint("GET /v1/audit/proof/inclusion", t -> t.get("/v1/audit/proof/inclusion?index=0&size=1"),
                                                                                        401, 401,  403,  403,  403, 200,  200,  200,  200,  200),
            new Endpoint("GET /v1/audit/proof/consistency", t -> t.get("/v1/audit/proof/consistency?from=1"),
                                                                                        401, 401,  403,  403,  403, 200,  200,  200,  200,  200),
            new Endpoint("GET /v1/status", t -> t.get("/v1/status"),                    401, 401,  403,  403,  403, 200,  200,  200,  200,  200),
            new Endpoint("POST /v1/mcp/pins", t -> t.post("/v1/mcp/pins", "{\"server\": \"fs\", \"tools\": {\"read\": \"sha256:"
                    + "a".repeat(64) + "\"}}"),                                            401, 401,  200,  200,  200, 200,  200,  200,  200,  200),
            new Endpoint("DELETE /v1/mcp/pins", t -> t.delete("/v1/mcp/pins?principal=deploy-agent&server=fs"),
                                                                                        401, 401,  403,  403,  403, 403,  403,  403,  403,  200),
            new Endpoint("GET /healthz", t -> t.get("/healthz"),                        200, 200,  200,  200,  200, 200,  200,  200,  200,  200),
            new Endpoint("GET /.well-known/jwks.json", t -> t.get("/.well-known/jwks.json"),
                                                                                        200, 200,  200,  200,  200, 200,  200,  200,  200,  200),
            new Endpoint("GET /v1/openapi.json", t -> t.get("/v1/openapi.json"),        200, 200,  200,  200,  200, 200,  200,  200,  200,  200));

    Path config;

    TestServer server;
    final HttpClient http = HttpClient.newHttpClient();
    final Map<Caller, String> keys = new LinkedHashMap<>();

    @BeforeAll
    void start(@TempDir Path directory) throws IOException {
        config = directory;
        ConfigDirectory.ensureExample(config);
        LoadConfig.liftLimits(config); // the cells submit many requests as the demo agent
        String otherAgent = ApiKeys.generate();
        String service = ApiKeys.generate();
        String auditor = ApiKeys.generate();
        String admin = ApiKeys.generate();
        // The demo's carol is an admin too; here she is only the agent's owner, and erin is the admin.
        Path identities = config.resolve("identities.yaml");
        Files.writeString(identities, Files.readString(identities).replace("    roles: [admin]\n", ""));
        Files.writeString(identities, """
                  - id: report-agent
                    kind: agent
                    name: Report agent
                    owner: bob
                    api_keys: [%s]
                  - id: ci
                    kind: service
                    name: CI
                    api_keys: [%s]
                  - id: dana
                    kind: human
                    name: Dana Auditor
                    roles: [auditor]
                    api_keys: [%s]
                  - id: erin
                    kind: human
                    name: Erin Admin
                    roles: [admin]
                    api_keys: [%s]
                """.formatted(ApiKeys.hash(otherAgent), ApiKeys.hash(service), ApiKeys.hash(auditor), ApiKeys.hash(admin)),
                StandardOpenOption.APPEND);
        server = TestServer.start(config);
        keys.put(Caller.WRONG_KEY, "cs_not-a-key-anyone-has");
        keys.put(Caller.REQUESTER_AGENT, server.key("agent"));
        keys.put(Caller.OTHER_AGENT, otherAgent);
        keys.put(Caller.SERVICE, service);
        keys.put(Caller.ELIGIBLE_REVIEWER, server.key("alice"));
        keys.put(Caller.INELIGIBLE_HUMAN, server.key("bob"));
        keys.put(Caller.AGENTS_OWNER, server.key("carol"));
        keys.put(Caller.AUDITOR, auditor);
        keys.put(Caller.ADMIN, admin);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    static Stream<Arguments> cells() {
        List<Arguments> cells = new ArrayList<>();
        for (Endpoint endpoint : TABLE) {
            assertThat(endpoint.expected()).as("one status per caller for %s", endpoint.name()).hasSize(Caller.values().length);
            for (Caller caller : Caller.values()) {
                cells.add(Arguments.of(endpoint.name(), caller, endpoint.expected()[caller.ordinal()], endpoint.call()));
            }
        }
        return cells.stream();
    }

    @ParameterizedTest(name = "{0} as {1} -> {2}")
    @MethodSource("cells")
    void eachCallerGetsTheStatusTheTableSays(String endpoint, Caller who, int expected, Call call) throws Exception {
        HttpRequest.Builder request = call.build(this); // fixtures are made by the demo agent, whoever the cell is for
        String key = keys.get(who);
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("%s as %s: %s", endpoint, who, answer.body()).isEqualTo(expected);
        if (expected >= 400) {
            JsonNode body = Json.parse(answer.body());
            assertThat(body.path("error").path("code").asString()).as("a refusal names its reason").isNotEmpty();
            assertThat(answer.body()).as("no stack trace").doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    /** A held production change by the demo agent (one eligible SRE approves it). */
    String held() throws Exception {
        return fixture(HELD).path("id").asString();
    }

    /**
     * An approved run of the demo's echo connector (proxy mode) on the host it acts on, with its grant: holding the
     * grant is the authority.
     */
    JsonNode allowedEcho() throws Exception {
        String id = fixture("""
                {"action": "demo.echo", "resource": {"type": "host", "id": "demo"}, "intent": {"summary": "say hello"},
                 "payload": {"argv": ["echo", "%s"]}}""".formatted(System.nanoTime())).path("id").asString();
        assertThat(server.review("alice", id, "approve", "fine").status()).isEqualTo(200);
        return server.get("agent", "/v1/actions/" + id).body();
    }

    /** A held production change on which the admin broke glass. */
    String brokeGlass() throws Exception {
        String id = held();
        HttpResponse<String> broken = http.send(post("/v1/actions/" + id + "/break-glass", "{\"justification\": \"" + WHY + "\"}")
                .header("Authorization", "Bearer " + keys.get(Caller.ADMIN)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(broken.statusCode()).as("fixture: %s", broken.body()).isEqualTo(200);
        return id;
    }

    /** An allowed read by the demo agent, with its grant. */
    JsonNode allowed() throws Exception {
        return fixture(TestServer.request("db.read", "prod", ", \"payload\": {\"n\": \"" + System.nanoTime() + "\"}"));
    }

    private JsonNode fixture(String body) throws Exception {
        // A payload of its own, so that identical pending requests are not folded into one.
        String unique = body.contains("\"payload\"") ? body
                : body.substring(0, body.lastIndexOf('}')) + ", \"payload\": {\"n\": \"" + System.nanoTime() + "\"}}";
        HttpResponse<String> made = http.send(HttpRequest.newBuilder(URI.create(server.uri("/v1/actions").toString()))
                .header("Authorization", "Bearer " + server.key("agent")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(unique)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(made.statusCode()).as("fixture: %s", made.body()).isIn(200, 202);
        return Json.parse(made.body());
    }

    HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(server.uri(path)).GET();
    }

    HttpRequest.Builder delete(String path) {
        return HttpRequest.newBuilder(server.uri(path)).DELETE();
    }

    HttpRequest.Builder post(String path, String body) {
        return HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    }
}
