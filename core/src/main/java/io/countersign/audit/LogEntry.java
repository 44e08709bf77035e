package io.countersign.audit;

import io.countersign.events.ActionEvent;
import io.countersign.json.Json;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;

/**
 * One entry of the audit log as a follower is handed it: where it is, its bytes exactly as hashed into the
 * tree, and the typed event they record.
 */
public record LogEntry(long index, byte[] bytes, ActionEvent event) {
    /** The entry as JSON, for those that pass it on as it is (a webhook's payload, an export). */
    public JsonNode json() {
        return Json.parse(new String(bytes, StandardCharsets.UTF_8));
    }
}
