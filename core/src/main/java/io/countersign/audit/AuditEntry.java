package io.countersign.audit;

import io.countersign.json.CanonicalJson;
import io.countersign.json.Json;
import io.countersign.events.ActionEvent;
import io.countersign.events.AuditEvent;
import io.countersign.events.EventCodec;
import io.countersign.events.EventType;
import io.countersign.model.ActionId;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The bytes of one log leaf: the RFC 8785 canonical JSON of an event, so anyone can re-derive them
 * from the parsed record. {@code time} is UTC with milliseconds. An entry fits the 64 KiB limit of
 * tlog-tiles entry bundles; a larger detail is replaced by its SHA-256 (never silently cut).
 */
public final class AuditEntry {
    public static final int MAX_BYTES = 65_535;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private AuditEntry() {
    }

    public static byte[] encode(ActionEvent event) {
        ObjectNode entry = Json.object();
        entry.put("type", event.type().wireName());
        entry.put("time", TIME.format(event.at()));
        entry.put("actor", event.actor());
        if (event.actionId() != null) {
            entry.put("action_id", event.actionId().value());
        }
        ObjectNode detail = EventCodec.detail(event.event());
        entry.set("detail", detail);
        byte[] bytes = CanonicalJson.encode(entry);
        if (bytes.length <= MAX_BYTES) {
            return bytes;
        }
        byte[] whole = CanonicalJson.encode(detail);
        entry.set("detail", EventCodec.detail(new AuditEvent.Oversized(event.type(), HexFormat.of().formatHex(Rfc6962.sha256(whole)), whole.length)));
        return CanonicalJson.encode(entry);
    }

    public static ActionEvent decode(byte[] entry) {
        JsonNode node = Json.parse(new String(entry, java.nio.charset.StandardCharsets.UTF_8));
        JsonNode actionId = node.get("action_id");
        return new ActionEvent(actionId == null ? null : new ActionId(actionId.stringValue()),
                node.get("actor").stringValue(),
                Instant.parse(node.get("time").stringValue()),
                EventCodec.read(EventType.fromWire(node.get("type").stringValue()), node.get("detail")));
    }
}
