package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.api.ActionRoutes;
import io.countersign.api.AuditRoutes;
import io.countersign.api.GrantRoutes;
import io.countersign.api.PolicyRoutes;
import io.countersign.api.ReportRoutes;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The OpenAPI document and the real routes describe the same API, in both directions. */
class OpenApiTest {
    @TempDir
    Path config;

    TestServer server;
    JsonNode document;

    @BeforeEach
    void start() {
        server = TestServer.start(config);
        var answer = server.get(null, "/v1/openapi.json");
        assertThat(answer.status()).isEqualTo(200);
        document = answer.body();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Set<String> documented() {
        Set<String> operations = new TreeSet<>();
        for (var path : document.path("paths").properties()) {
            for (String method : path.getValue().propertyNames()) {
                operations.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }
        return operations;
    }

    /** Every route each service registers, read by handing it a recorder instead of Helidon's rules. */
    private static Set<String> registered() {
        Map<String, HttpService> services = Map.of(
                "/v1/actions", new ActionRoutes(null, null, null, null, null, null, 0, null, null),
                "/v1/audit", new AuditRoutes(null, null),
                "/v1/grants", new GrantRoutes(null, null, null, 0, null),
                "/v1/policy", new PolicyRoutes(null, null, null, null, null, 0, null),
                "/v1/reports", new ReportRoutes(null, null, null, null),
                "/v1/channels/slack", new io.countersign.channels.slack.SlackRequestUrl(null, null, null, null),
                "/v1/channels/teams", io.countersign.channels.teams.TeamsRoutes.unwired());
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
        for (String operation : documented()) {
            String method = operation.substring(0, operation.indexOf(' '));
            String path = operation.substring(operation.indexOf(' ') + 1)
                    .replace("{id}", "act_00000000000000000000000000000000")
                    .replace("{index}", "0")
                    .replace("{path}", "0/000");
            String error;
            if (method.equals("GET")) {
                TestServer.Raw raw = server.getRaw("alice", path);
                error = raw.text().startsWith("{") ? io.countersign.json.Json.parse(raw.text()).path("error").path("code").asString("") : "";
            } else {
                error = server.post("alice", path, "{}").error();
            }
            assertThat(error).as(operation).isNotEqualTo("no_route");
        }
    }

    @Test
    void referencesResolve() {
        String text = document.toString();
        var matcher = java.util.regex.Pattern.compile("\"\\$ref\":\"#/([^\"]+)\"").matcher(text);
        while (matcher.find()) {
            JsonNode target = document;
            for (String part : matcher.group(1).split("/")) {
                target = target.path(part);
            }
            assertThat(target.isMissingNode()).as(matcher.group(1)).isFalse();
        }
    }
}
