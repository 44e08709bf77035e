package io.countersign.api;

import io.countersign.json.Json;
import io.countersign.json.JsonFields;
import io.countersign.model.InvalidInputException;
import io.countersign.model.Principal;
import io.countersign.store.ToolPinStore;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /v1/mcp/pins}: the MCP gateway pins the tool definitions it sees, per principal, upstream server and
 * tool, so that a tool whose definition changes between sessions is still told from the one first used.
 * {@code POST} pins what is new and answers every tool's pin; {@code DELETE} (admins) forgets pins, when a
 * tool's new definition is accepted.
 */
public final class McpRoutes implements HttpService {
    private static final Set<String> FIELDS = Set.of("server", "tools");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:/-]{1,128}");
    private static final Pattern FINGERPRINT = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final int MOST_TOOLS = 1000;

    private final ToolPinStore pins;
    private final Authenticator authenticator;
    private final long maxBodyBytes;
    private final Clock clock;

    public McpRoutes(ToolPinStore pins, Authenticator authenticator, long maxBodyBytes, Clock clock) {
        this.pins = pins;
        this.authenticator = authenticator;
        this.maxBodyBytes = maxBodyBytes;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/pins", this::pin)
                .delete("/pins", this::unpin);
    }

    private void pin(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        JsonFields fields = JsonFields.of(RequestBodies.json(request, maxBodyBytes), "").onlyAllow(FIELDS);
        String server = name(fields.requiredString("server", 128), "server");
        JsonNode tools = fields.get("tools");
        if (tools == null || !tools.isObject()) {
            throw new InvalidInputException("tools", "'tools' must be an object of tool names to their fingerprints");
        }
        if (tools.size() > MOST_TOOLS) {
            throw new InvalidInputException("tools", "'tools' may name at most " + MOST_TOOLS + " tools");
        }
        Map<String, String> fingerprints = new LinkedHashMap<>();
        for (var tool : tools.properties()) {
            String where = "tools." + tool.getKey();
            name(tool.getKey(), where);
            if (!tool.getValue().isString() || !FINGERPRINT.matcher(tool.getValue().stringValue()).matches()) {
                throw new InvalidInputException(where, "'" + where + "' must be a tool's fingerprint, sha256:<64 hex digits>");
            }
            fingerprints.put(tool.getKey(), tool.getValue().stringValue());
        }
        Map<String, ToolPinStore.Pin> pinned = pins.pin(caller.id(), server, fingerprints, clock.instant());
        ObjectNode body = Json.object();
        body.put("server", server);
        ObjectNode answer = body.putObject("tools");
        pinned.forEach((tool, pin) -> {
            ObjectNode item = answer.putObject(tool);
            item.put("pinned", pin.fingerprint());
            item.put("first_seen", pin.firstSeen().toString());
            item.put("changed", !pin.fingerprint().equals(fingerprints.get(tool)));
        });
        JsonResponses.send(response, Status.OK_200, body);
    }

    private void unpin(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        if (!caller.isHuman() || !caller.has(Principal.Role.ADMIN)) {
            throw new ApiException(Status.FORBIDDEN_403, "forbidden", null, "only admins accept a changed tool's definition");
        }
        String principal = name(request.query().first("principal").orElse(""), "principal");
        String server = name(request.query().first("server").orElse(""), "server");
        String tool = request.query().first("tool").map(t -> name(t, "tool")).orElse(null);
        ObjectNode body = Json.object();
        body.put("removed", pins.unpin(principal, server, tool));
        JsonResponses.send(response, Status.OK_200, body);
    }

    private static String name(String value, String field) {
        if (!NAME.matcher(value).matches()) {
            throw new InvalidInputException(field, "'" + field + "' must be 1 to 128 letters, digits or _ . : / -");
        }
        return value;
    }
}
