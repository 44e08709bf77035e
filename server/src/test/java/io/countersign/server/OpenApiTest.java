package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.countersign.api.ActionRoutes;
import io.countersign.api.AuditRoutes;
import io.countersign.api.GrantRoutes;
import io.countersign.api.PolicyRoutes;
import io.countersign.api.ReportRoutes;
import io.countersign.json.Json;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAPI document tells the truth: it is a valid OpenAPI 3.1 description by the OpenAPI Initiative's
 * own JSON Schemas (checked with networknt's validator, which shares no code with the server); every route
 * the server registers is documented with an operationId, and every documented one is served; and real
 * answers of every operation, successes and refusals, match the schema documented for their status.
 */
class OpenApiTest {
    /** Where the document is known to the validator; its schemas refer to each other from here. */
    private static final String DOCUMENT = "https://countersign.test/v1/openapi.json";
    private static final String OAS_SCHEMA = "https://spec.openapis.org/oas/3.1/schema-base/2022-10-07";
    private static final String ACTION = "act_00000000000000000000000000000000";

    @TempDir
    Path config;

    TestServer server;
    JsonNode document;
    SchemaRegistry schemas;
    /** Every operation by its id: its method, path and place in the document. */
    final Map<String, Operation> operations = new TreeMap<>();
    /** The operations a real answer was checked for, with the statuses seen. */
    final Map<String, Set<Integer>> answered = new TreeMap<>();

    record Operation(String method, String path, String pointer, JsonNode node) {
    }

    @BeforeEach
    void start() {
        server = TestServer.start(config);
        var answer = server.get(null, "/v1/openapi.json");
        assertThat(answer.status()).isEqualTo(200);
        document = answer.body();
        Map<String, String> known = new LinkedHashMap<>();
        for (String name : List.of("schema", "schema-base", "dialect", "meta")) {
            JsonNode schema = Json.parse(resource("/oas/3.1/" + name + ".json"));
            known.put(schema.path("$id").asString(), Json.text(schema));
        }
        known.put(DOCUMENT, Json.text(document));
        schemas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12, builder -> builder.schemas(known));
        for (var path : document.path("paths").properties()) {
            for (var method : path.getValue().properties()) {
                String pointer = "/paths/" + escape(path.getKey()) + "/" + method.getKey();
                operations.put(method.getValue().path("operationId").asString(method.getKey() + " " + path.getKey()),
                        new Operation(method.getKey().toUpperCase(Locale.ROOT), path.getKey(), pointer, method.getValue()));
            }
        }
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String resource(String name) {
        try (InputStream in = OpenApiTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    @Test
    void theDocumentIsAValidOpenApi31DescriptionWithoutAStrayKey() {
        List<Error> errors = schemas.getSchema(SchemaLocation.of(OAS_SCHEMA)).validate(document);
        assertThat(errors).extracting(Error::toString).isEmpty();
        List<String> nulls = new ArrayList<>();
        walk(document, "", (at, node) -> {
            if (node.isNull()) {
                nulls.add(at);
            }
        });
        assertThat(nulls).as("keys without a value (a description split at a comma reads as one)").isEmpty();
    }

    @Test
    void theValidatorRefusesWhatTheDocumentUsedToGetWrong() {
        var broken = document.deepCopy();
        ((tools.jackson.databind.node.ObjectNode) broken.path("paths").path("/healthz").path("get")).putObject("responses")
                .putObject("200").put("content", "text");
        assertThat(schemas.getSchema(SchemaLocation.of(OAS_SCHEMA)).validate(broken)).isNotEmpty();

        // And the API's own schemas are applied: an action with a field the document does not name fails.
        var action = server.post("agent", "/v1/actions", TestServer.request("db.read", "prod", "")).body().deepCopy();
        var action200 = SchemaLocation.of(DOCUMENT + "#/components/schemas/Action");
        assertThat(schemas.getSchema(action200).validate(action)).isEmpty();
        ((tools.jackson.databind.node.ObjectNode) action).put("approver", "alice");
        ((tools.jackson.databind.node.ObjectNode) action).put("status", "maybe");
        assertThat(schemas.getSchema(action200).validate(action)).extracting(Error::getKeyword).contains("additionalProperties", "enum");
    }

    @Test
    void everyOperationHasAnOperationIdOfItsOwn() {
        List<String> ids = new ArrayList<>();
        for (var path : document.path("paths").properties()) {
            for (var method : path.getValue().properties()) {
                assertThat(method.getValue().has("operationId")).as(method.getKey() + " " + path.getKey()).isTrue();
                ids.add(method.getValue().path("operationId").asString());
            }
        }
        assertThat(ids).doesNotHaveDuplicates().hasSize(operations.size());
    }

    private interface Visitor {
        void visit(String at, JsonNode node);
    }

    private static void walk(JsonNode node, String at, Visitor visitor) {
        visitor.visit(at, node);
        if (node.isObject()) {
            node.properties().forEach(e -> walk(e.getValue(), at + "/" + e.getKey(), visitor));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), at + "/" + i, visitor);
            }
        }
    }

    /** The operations as {@code GET /v1/actions/{id}}; the tile templates all as the one route that serves them. */
    private Set<String> documented() {
        Set<String> documented = new TreeSet<>();
        for (Operation operation : operations.values()) {
            documented.add(operation.method() + " " + (operation.path().startsWith("/v1/audit/tile/") ? "/v1/audit/tile/{path}" : operation.path()));
        }
        return documented;
    }

    @Test
    void everyRegisteredRouteIsDocumented() {
        Set<String> registered = registered();
        assertThat(registered).contains("POST /v1/actions", "GET /v1/actions/{id}/proof", "GET /v1/audit/tile/{path}",
                "POST /v1/grants/verify").hasSizeGreaterThan(15);
        assertThat(documented()).containsAll(registered);
    }

    @Test
    void everyDocumentedOperationIsServed() {
        assertThat(document.path("openapi").asString()).isEqualTo("3.1.0");
        for (Operation operation : operations.values()) {
            String path = operation.path().replace("{id}", ACTION).replace("{index}", "0").replace("{level}", "0")
                    .replace("{n1}", "001").replace("{n2}", "002").replace("{n}", "000").replace("{width}", "7")
                    .replace("{delegation}", "dlg_none");
            String error;
            if (operation.method().equals("GET")) {
                TestServer.Raw raw = server.getRaw("alice", path);
                error = raw.text().startsWith("{") ? Json.parse(raw.text()).path("error").path("code").asString("") : "";
            } else if (operation.method().equals("DELETE")) {
                error = server.delete("alice", path).error();
            } else {
                error = server.post("alice", path, "{}").error();
            }
            assertThat(error).as(operation.method() + " " + operation.path()).isNotEqualTo("no_route");
        }
    }

    @Test
    void referencesResolve() {
        String text = document.toString();
        var matcher = java.util.regex.Pattern.compile("\"\\$ref\":\"#/([^\"]+)\"").matcher(text);
        while (matcher.find()) {
            JsonNode target = document;
            for (String part : matcher.group(1).split("/")) {
                target = target.path(part.replace("~1", "/").replace("~0", "~"));
            }
            assertThat(target.isMissingNode()).as(matcher.group(1)).isFalse();
        }
    }

    /** Checks one real answer against the schema its operation documents for that status. */
    private TestServer.Answer checked(String operationId, TestServer.Answer answer) {
        Operation operation = operations.get(operationId);
        assertThat(operation).as(operationId).isNotNull();
        String status = Integer.toString(answer.status());
        JsonNode response = operation.node().path("responses").path(status);
        assertThat(response.isMissingNode()).as(operationId + " answered " + status + ", which it does not document: " + answer.body()).isFalse();
        String pointer = operation.pointer() + "/responses/" + status;
        if (response.has("$ref")) {
            pointer = response.get("$ref").asString().substring(1);
            response = document.at(pointer);
        }
        assertThat(response.path("content").has("application/json")).as(operationId + " " + status + " documents a JSON body").isTrue();
        List<Error> errors = schemas.getSchema(SchemaLocation.of(DOCUMENT + "#" + pointer + "/content/application~1json/schema"))
                .validate(answer.body());
        assertThat(errors).as(operationId + " " + status + ": " + answer.body()).extracting(Error::toString).isEmpty();
        answered.computeIfAbsent(operationId, id -> new TreeSet<>()).add(answer.status());
        return answer;
    }

    /** Checks an answer that is not JSON: documented for its status, with the content type documented. */
    private TestServer.Raw checked(String operationId, TestServer.Raw answer) {
        Operation operation = operations.get(operationId);
        JsonNode response = operation.node().path("responses").path(Integer.toString(answer.status()));
        if (response.has("$ref")) {
            response = document.at(response.get("$ref").asString().substring(1));
        }
        String type = answer.contentType().replaceFirst(";.*", "").trim();
        assertThat(response.path("content").has(type)).as(operationId + " " + answer.status() + " documents " + type).isTrue();
        answered.computeIfAbsent(operationId, id -> new TreeSet<>()).add(answer.status());
        return answer;
    }

    @Test
    void realAnswersOfEveryOperationMatchTheSchemaOfTheirStatus() {
        checked("getHealth", server.get(null, "/healthz"));
        checked("getGrantKeys", server.get(null, "/.well-known/jwks.json"));
        checked("getOpenApi", server.get(null, "/v1/openapi.json"));
        checked("getStatus", server.get("alice", "/v1/status"));
        // Not configured on this node: the webhook says so (KubernetesAdmissionTest asks one that is).
        assertThat(checked("reviewKubernetesAdmission", server.post("alice", "/v1/integrations/kubernetes/admission", "{}")).error())
                .isEqualTo("not_configured");
        assertThat(checked("getStatus", server.get("agent", "/v1/status")).status()).isEqualTo(403);

        // Submissions: allowed (with a grant), held, denied by policy, and refused as invalid, unauthenticated or contradicting the inventory.
        TestServer.Answer read = checked("submitAction", server.post("agent", "/v1/actions", TestServer.request("db.read", "prod", "")));
        assertThat(read.status()).isEqualTo(200);
        String readGrant = read.body().path("grant").path("token").asString();
        TestServer.Answer held = checked("submitAction", server.post("agent", "/v1/actions",
                TestServer.request("test.race", "dev", ", \"payload\": {\"n\": 1}, \"idempotency_key\": \"k-1\"")));
        assertThat(held.status()).isEqualTo(202);
        checked("submitAction", server.post("agent", "/v1/actions", TestServer.request("test.race", "dev", ", \"payload\": {\"n\": 1}, \"idempotency_key\": \"k-1\"")));
        TestServer.Answer denied = checked("submitAction", server.post("agent", "/v1/actions", """
                {"action": "aws.iam.AttachRolePolicy", "resource": {"type": "iam.directory", "id": "prod", "env": "prod"},
                 "intent": {"summary": "make me admin"}, "payload": {"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}}"""));
        assertThat(denied.status()).isEqualTo(403);
        assertThat(checked("submitAction", server.post("agent", "/v1/actions", "{\"action\": \"db.read\"}")).status()).isEqualTo(400);
        assertThat(checked("submitAction", server.post(null, "/v1/actions", TestServer.request("db.read", "prod", ""))).status()).isEqualTo(401);
        assertThat(checked("submitAction", server.post("agent", "/v1/actions", """
                {"action": "db.read", "resource": {"type": "postgres.table", "id": "prod/customers", "env": "staging"},
                 "intent": {"summary": "read"}}""")).status()).isEqualTo(422);

        checked("listActions", server.get("agent", "/v1/actions?limit=10"));
        checked("listActions", server.get("alice", "/v1/actions?status=pending"));
        assertThat(checked("listActions", server.get("alice", "/v1/actions?status=lost")).status()).isEqualTo(400);
        checked("getAction", server.get("agent", "/v1/actions/" + held.id()));
        checked("getAction", server.get("agent", "/v1/actions/" + held.id() + "?wait=1s"));
        assertThat(checked("getAction", server.get("agent", "/v1/actions/" + ACTION)).status()).isEqualTo(404);

        // Reviews: the requester may not, a reviewer may; the review closes it.
        assertThat(checked("reviewAction", server.review("agent", held.id(), "approve", null)).status()).isEqualTo(403);
        assertThat(checked("reviewAction", server.review("alice", held.id(), "approve", "ok")).status()).isEqualTo(200);
        assertThat(checked("reviewAction", server.review("bob", held.id(), "deny", "late")).status()).isEqualTo(409);
        assertThat(checked("reviewAction", server.post("alice", "/v1/actions/" + held.id() + "/reviews", "{\"decision\": \"maybe\"}")).status())
                .isEqualTo(400);

        // Gate mode: claim with the grant, then report how it went; a second claim and a second report are refused.
        String approvedGrant = server.get("agent", "/v1/actions/" + held.id()).body().path("grant").path("token").asString();
        String grantBody = "{\"grant\": \"" + approvedGrant + "\"}";
        assertThat(checked("claimAction", server.post("agent", "/v1/actions/" + held.id() + "/claim", grantBody)).status()).isEqualTo(200);
        assertThat(checked("claimAction", server.post("agent", "/v1/actions/" + held.id() + "/claim", grantBody)).status()).isEqualTo(409);
        assertThat(checked("claimAction", server.post("agent", "/v1/actions/" + held.id() + "/claim", "{}")).status()).isEqualTo(400);
        String outcome = "{\"grant\": \"" + approvedGrant + "\", \"status\": \"succeeded\", \"detail\": \"done\"}";
        assertThat(checked("reportOutcome", server.post("agent", "/v1/actions/" + held.id() + "/outcome", outcome)).status()).isEqualTo(200);
        assertThat(checked("reportOutcome", server.post("agent", "/v1/actions/" + held.id() + "/outcome", outcome)).status()).isEqualTo(409);

        // A grant checked by the resource it is for, and by another.
        String verify = "{\"grant\": \"" + readGrant + "\", \"audience\": \"postgres.table:prod/customers@prod\"}";
        assertThat(checked("verifyGrant", server.post("agent", "/v1/grants/verify", verify)).status()).isEqualTo(200);
        assertThat(checked("verifyGrant", server.post("agent", "/v1/grants/verify", verify.replace("@prod", "@dev"))).status()).isEqualTo(403);

        // Cancel, and cancel again.
        TestServer.Answer second = server.post("agent", "/v1/actions", TestServer.request("test.race", "dev", ", \"payload\": {\"n\": 2}"));
        assertThat(checked("cancelAction", server.post("agent", "/v1/actions/" + second.id() + "/cancel", "{}")).status()).isEqualTo(200);
        assertThat(checked("cancelAction", server.post("agent", "/v1/actions/" + second.id() + "/cancel", "{}")).status()).isEqualTo(409);

        // Break-glass by an admin on a human's request, refused to anyone else, and reviewed afterwards.
        TestServer.Answer bobs = server.post("bob", "/v1/actions", TestServer.request("test.race", "dev", ", \"payload\": {\"n\": 3}"));
        String justification = "{\"justification\": \"payments are down and this fixes them now\"}";
        assertThat(checked("breakGlass", server.post("alice", "/v1/actions/" + bobs.id() + "/break-glass", justification)).status()).isEqualTo(403);
        assertThat(checked("breakGlass", server.post("carol", "/v1/actions/" + bobs.id() + "/break-glass", justification)).status()).isEqualTo(200);
        assertThat(checked("breakGlass", server.post("carol", "/v1/actions/" + bobs.id() + "/break-glass", justification)).status()).isEqualTo(409);
        assertThat(checked("reviewBreakGlass", server.post("alice", "/v1/actions/" + bobs.id() + "/break-glass/review",
                "{\"verdict\": \"upheld\"}")).status()).isEqualTo(200);
        assertThat(checked("reviewBreakGlass", server.post("alice", "/v1/actions/" + bobs.id() + "/break-glass/review",
                "{\"verdict\": \"upheld\"}")).status()).isEqualTo(409);

        // Proxy mode: the demo connector runs an approved echo once.
        TestServer.Answer echo = server.post("agent", "/v1/actions", """
                {"action": "demo.echo", "resource": {"type": "host", "id": "demo", "env": "prod"},
                 "intent": {"summary": "say hello"}, "payload": {"argv": ["echo", "hello"]}}""");
        assertThat(echo.status()).isEqualTo(202);
        server.review("alice", echo.id(), "approve", null);
        String echoGrant = "{\"grant\": \"" + server.get("agent", "/v1/actions/" + echo.id()).body().path("grant").path("token").asString() + "\"}";
        assertThat(checked("executeAction", server.post("agent", "/v1/actions/" + echo.id() + "/execute", echoGrant)).status()).isEqualTo(200);
        assertThat(checked("executeAction", server.post("agent", "/v1/actions/" + echo.id() + "/execute", echoGrant)).status()).isEqualTo(409);
        String readExecute = "{\"grant\": \"" + server.get("agent", "/v1/actions/" + read.id()).body().path("grant").path("token").asString() + "\"}";
        assertThat(checked("executeAction", server.post("agent", "/v1/actions/" + read.id() + "/execute", readExecute)).status()).isEqualTo(422);

        // MCP tool pins: the first definition seen stays pinned; an admin forgets it.
        String pins = "{\"server\": \"fs\", \"tools\": {\"read\": \"sha256:" + "a".repeat(64) + "\"}}";
        checked("pinTools", server.post("agent", "/v1/mcp/pins", pins));
        assertThat(checked("pinTools", server.post("agent", "/v1/mcp/pins", pins.replace("a".repeat(64), "b".repeat(64)))).body().path("tools").path("read")
                .path("changed").asBoolean()).isTrue();
        assertThat(checked("pinTools", server.post("agent", "/v1/mcp/pins", "{\"server\": \"fs\"}")).status()).isEqualTo(400);
        assertThat(checked("unpinTools", server.delete("alice", "/v1/mcp/pins?principal=deploy-agent&server=fs")).status()).isEqualTo(403);
        assertThat(checked("unpinTools", server.delete("carol", "/v1/mcp/pins?principal=deploy-agent&server=fs")).body().path("removed").asInt())
                .isEqualTo(1);

        // Chat channels this node does not have.
        assertThat(checked("receiveSlackInteraction", server.post(null, "/v1/channels/slack/interactions", "{}")).status()).isEqualTo(404);
        assertThat(checked("receiveTeamsActivity", server.post(null, "/v1/channels/teams/messages", "{}")).status()).isEqualTo(404);

        // Policy, its dry run and the evidence report, for humans.
        checked("getPolicy", server.get("alice", "/v1/policy"));
        assertThat(checked("getPolicy", server.get("agent", "/v1/policy")).status()).isEqualTo(403);
        checked("evaluatePolicy", server.post("alice", "/v1/policy/evaluate?as=deploy-agent", TestServer.piiExport("OPS-1")));
        checked("evaluatePolicy", server.post("agent", "/v1/policy/evaluate", TestServer.request("db.read", "prod", "")));
        assertThat(checked("evaluatePolicy", server.post("alice", "/v1/policy/evaluate", "{}")).status()).isEqualTo(400);
        checked("getControlReport", server.get("alice", "/v1/reports/controls"));
        assertThat(checked("getControlReport", server.get("alice", "/v1/reports/controls?from=yesterday")).status()).isEqualTo(400);

        // The audit log: its checkpoint, tiles, entries and proofs.
        long size = server.node().checkpointer().sign().size();
        assertThat(checked("getCheckpoint", server.getRaw("alice", "/v1/audit/checkpoint")).status()).isEqualTo(200);
        assertThat(checked("getPartialTile", server.getRaw("alice", "/v1/audit/tile/0/000.p/" + size)).status()).isEqualTo(200);
        assertThat(checked("getPartialTile", server.getRaw("alice", "/v1/audit/tile/entries/000.p/" + size)).status()).isEqualTo(200);
        assertThat(checked("getTile", server.getRaw("alice", "/v1/audit/tile/0/000")).status()).isEqualTo(404);
        assertThat(checked("getActionProof", server.getRaw("agent", "/v1/actions/" + read.id() + "/proof")).status()).isEqualTo(200);
        checked("getLogEntry", server.get("alice", "/v1/audit/entries/0"));
        assertThat(checked("getLogEntry", server.get("alice", "/v1/audit/entries/" + (size + 100))).status()).isEqualTo(404);
        checked("getInclusionProof", server.get("alice", "/v1/audit/proof/inclusion?index=1&size=" + size));
        assertThat(checked("getInclusionProof", server.get("alice", "/v1/audit/proof/inclusion?index=" + size + "&size=" + size)).status())
                .isEqualTo(400);
        checked("getConsistencyProof", server.get("alice", "/v1/audit/proof/consistency?from=2&to=" + size));
        assertThat(checked("getConsistencyProof", server.get("alice", "/v1/audit/proof/consistency?from=x")).status()).isEqualTo(400);

        // Delegations: made, listed, refused (to oneself; by an agent), ended, ended again.
        String until = java.time.Instant.now().plus(java.time.Duration.ofDays(1)).toString();
        TestServer.Answer delegated = checked("createDelegation", server.post("alice", "/v1/delegations",
                "{\"to\": \"bob\", \"until\": \"" + until + "\", \"reason\": \"on leave\"}"));
        assertThat(delegated.status()).isEqualTo(201);
        assertThat(checked("createDelegation", server.post("alice", "/v1/delegations", "{\"to\": \"alice\", \"until\": \"" + until + "\"}"))
                .status()).isEqualTo(400);
        assertThat(checked("createDelegation", server.post("agent", "/v1/delegations", "{\"to\": \"bob\", \"until\": \"" + until + "\"}"))
                .status()).isEqualTo(403);
        checked("listDelegations", server.get("bob", "/v1/delegations"));
        String delegation = delegated.body().path("id").asString();
        assertThat(checked("endDelegation", server.delete("bob", "/v1/delegations/" + delegation)).status()).isEqualTo(403);
        assertThat(checked("endDelegation", server.delete("alice", "/v1/delegations/" + delegation)).status()).isEqualTo(200);
        assertThat(checked("endDelegation", server.delete("alice", "/v1/delegations/" + delegation)).status()).isEqualTo(400);

        // Every operation but the deeper tile templates (which need a log of 256,000 entries) answered here.
        Set<String> unanswered = new TreeSet<>(operations.keySet());
        unanswered.removeAll(answered.keySet());
        assertThat(unanswered).containsExactlyInAnyOrder("getTileAt2", "getPartialTileAt2", "getTileAt3", "getPartialTileAt3");
    }

    /** Every route each service registers, read by handing it a recorder instead of Helidon's rules. */
    private static Set<String> registered() {
        Map<String, HttpService> services = Map.ofEntries(
                Map.entry("/v1/actions", new ActionRoutes(null, null, null, null, null, 0, null, null)),
                Map.entry("/v1/audit", new AuditRoutes(null, null)),
                Map.entry("/v1/grants", new GrantRoutes(null, null, null, 0, null)),
                Map.entry("/v1/policy", new PolicyRoutes(null, null, null, null, null, 0, null)),
                Map.entry("/v1/reports", new ReportRoutes(null, null, null, null, null)),
                Map.entry("/v1/status", new io.countersign.api.StatusRoutes(null, null, null, null)),
                Map.entry("/v1/mcp", new io.countersign.api.McpRoutes(null, null, 0, null)),
                Map.entry("/v1/delegations", new io.countersign.api.DelegationRoutes(null, null, 0, null)),
                Map.entry("/v1/channels/slack", new io.countersign.channels.slack.SlackRequestUrl(null, null, null, null)),
                Map.entry("/v1/channels/teams", io.countersign.channels.teams.TeamsRoutes.unwired()),
                Map.entry("/v1/integrations/kubernetes", new io.countersign.kubernetes.AdmissionWebhook(null, null, null, null, null)));
        Set<String> routes = new TreeSet<>();
        services.forEach((prefix, service) -> {
            HttpRules[] recorder = new HttpRules[1];
            recorder[0] = (HttpRules) Proxy.newProxyInstance(HttpRules.class.getClassLoader(), new Class<?>[] {HttpRules.class},
                    (proxy, method, args) -> {
                        if (Set.of("get", "post", "put", "delete", "patch").contains(method.getName()) && args[0] instanceof String path) {
                            String full = (prefix + path).replace("{+", "{");
                            routes.add(method.getName().toUpperCase(Locale.ROOT) + " " + (full.endsWith("/") ? full.substring(0, full.length() - 1) : full));
                        }
                        return recorder[0];
                    });
            service.routing(recorder[0]);
        });
        return routes;
    }
}
