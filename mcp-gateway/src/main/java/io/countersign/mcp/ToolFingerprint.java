package io.countersign.mcp;

import io.countersign.json.CanonicalJson;
import io.countersign.json.Json;
import io.countersign.json.ActionDigest;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.HexFormat;
import tools.jackson.databind.node.ObjectNode;

/**
 * SHA-256 over what a model reads of a tool: its name, title, description, input and output schemas
 * and annotations, in a canonical JSON form. A tool whose fingerprint changes after it was first seen
 * may now do something else under the same name (a "rug pull"); calls to it say so, and policy can deny them.
 */
public final class ToolFingerprint {
    private ToolFingerprint() {
    }

    public static String of(McpSchema.Tool tool) {
        ObjectNode shape = Json.object();
        shape.put("name", tool.name());
        shape.put("title", tool.title());
        shape.put("description", tool.description());
        shape.set("input_schema", Json.MAPPER.valueToTree(tool.inputSchema()));
        shape.set("output_schema", Json.MAPPER.valueToTree(tool.outputSchema()));
        shape.set("annotations", Json.MAPPER.valueToTree(tool.annotations()));
        return "sha256:" + HexFormat.of().formatHex(ActionDigest.sha256(CanonicalJson.encode(shape)));
    }
}
