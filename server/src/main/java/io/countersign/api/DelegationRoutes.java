package io.countersign.api;

import io.countersign.json.Json;
import io.countersign.json.JsonFields;
import io.countersign.lifecycle.Delegations;
import io.countersign.model.InvalidInputException;
import io.countersign.model.Principal;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /v1/delegations}: a human hands their reviews to another for a while (out of office), lists what they
 * gave and hold, and ends one early. Each grant and each early end is an entry of the audit log.
 */
public final class DelegationRoutes implements HttpService {
    private static final Set<String> FIELDS = Set.of("to", "from", "until", "reason");

    private final Delegations delegations;
    private final Authenticator authenticator;
    private final long maxBodyBytes;
    private final Clock clock;

    public DelegationRoutes(Delegations delegations, Authenticator authenticator, long maxBodyBytes, Clock clock) {
        this.delegations = delegations;
        this.authenticator = authenticator;
        this.maxBodyBytes = maxBodyBytes;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create).get("/", this::list).delete("/{delegation}", this::end);
    }

    private void create(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        authenticator.requireHuman(caller);
        JsonFields fields = JsonFields.of(RequestBodies.json(request, maxBodyBytes), "").onlyAllow(FIELDS);
        String to = fields.requiredString("to", 256);
        Instant from = instant(fields.optionalString("from", 64), "from");
        Instant until = instant(fields.requiredString("until", 64), "until");
        String reason = fields.optionalString("reason", 500);
        JsonResponses.send(response, Status.CREATED_201, represent(delegations.grant(caller, to, from, until, reason)));
    }

    private void list(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        ObjectNode body = Json.object();
        ArrayNode list = body.putArray("delegations");
        delegations.of(caller.id()).forEach(d -> list.add(represent(d)));
        JsonResponses.send(response, Status.OK_200, body);
    }

    private void end(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        String id = request.path().pathParameters().get("delegation");
        JsonResponses.send(response, Status.OK_200, represent(delegations.revoke(caller, id)));
    }

    private ObjectNode represent(Delegations.Delegation delegation) {
        ObjectNode node = Json.object();
        node.put("id", delegation.id());
        node.put("from", delegation.from());
        node.put("to", delegation.to());
        node.put("starts", delegation.starts().toString());
        node.put("ends", delegation.ends().toString());
        if (delegation.reason() != null) {
            node.put("reason", delegation.reason());
        }
        node.put("in_force", delegation.inForceAt(clock.instant()));
        return node;
    }

    /** An instant, or a date (its start, UTC). */
    private static Instant instant(String text, String field) {
        if (text == null) {
            return null;
        }
        Instant at = io.countersign.model.Instants.dateOrInstant(text);
        if (at == null) {
            throw new InvalidInputException(field, "'" + field + "' is an instant (2026-12-20T18:00:00Z) or a date (2026-12-20)");
        }
        return at;
    }
}
