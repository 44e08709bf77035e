package io.countersign.api;

import io.countersign.events.AuditEvent;
import io.countersign.events.EventStore;
import io.countersign.events.EventType;
import io.countersign.json.Json;
import io.countersign.store.NodeStatusStore;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/status} (humans): what each node of the cluster runs on, so that an operator sees a node
 * whose policy, identities or inventory lag behind the last one loaded, or a node that stopped reporting.
 * Each node reports every few seconds and after every reload; the last {@code *.loaded} entries of the audit
 * log say which versions are current.
 */
public final class StatusRoutes implements HttpService {
    /** A node silent for longer than this is shown as not reporting. */
    static final Duration SILENT = Duration.ofSeconds(15);

    private final NodeStatusStore nodes;
    private final EventStore events;
    private final Authenticator authenticator;
    private final Clock clock;

    public StatusRoutes(NodeStatusStore nodes, EventStore events, Authenticator authenticator, Clock clock) {
        this.nodes = nodes;
        this.events = events;
        this.authenticator = authenticator;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::status);
    }

    private void status(ServerRequest request, ServerResponse response) {
        authenticator.requireHuman(authenticator.authenticate(request));
        String policy = latest(EventType.POLICY_LOADED, e -> e instanceof AuditEvent.PolicyLoaded p ? p.version() : null);
        String identities = latest(EventType.IDENTITIES_LOADED, e -> e instanceof AuditEvent.IdentitiesLoaded i ? i.version() : null);
        String inventory = latest(EventType.INVENTORY_LOADED, e -> e instanceof AuditEvent.InventoryLoaded i ? i.version() : null);
        ObjectNode body = Json.object();
        ObjectNode current = body.putObject("latest");
        current.put("policy_version", policy);
        current.put("identities_version", identities);
        current.put("inventory_version", inventory == null ? "none" : inventory);
        ArrayNode list = body.putArray("nodes");
        for (NodeStatusStore.NodeStatus node : nodes.nodes()) {
            ObjectNode item = list.addObject();
            item.put("node", node.node());
            item.put("leads", node.leads());
            item.put("seen_at", node.seenAt().toString());
            item.put("reporting", node.seenAt().isAfter(clock.instant().minus(SILENT)));
            item.put("policy_version", node.policyVersion());
            item.put("identities_version", node.identitiesVersion());
            item.put("inventory_version", node.inventoryVersion());
            ArrayNode lagging = item.putArray("lagging");
            if (policy != null && !policy.equals(node.policyVersion())) {
                lagging.add("policy");
            }
            if (identities != null && !identities.equals(node.identitiesVersion())) {
                lagging.add("identities");
            }
            if (!(inventory == null ? "none" : inventory).equals(node.inventoryVersion())) {
                lagging.add("inventory");
            }
        }
        JsonResponses.send(response, Status.OK_200, body);
    }

    private String latest(EventType type, Function<AuditEvent, String> version) {
        return events.recentSystemEvents(type, 1).stream().findFirst().map(e -> version.apply(e.event())).orElse(null);
    }
}
