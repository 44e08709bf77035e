package io.countersign.json;

import io.countersign.model.ActionRequest;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * SHA-256 over the RFC 8785 canonical JSON of {@code {action, resource, payload}}: the exact thing an
 * approval covers. Intent and context are deliberately left out: rewording the justification does not
 * change what runs, while any change to what runs changes the digest.
 */
public final class ActionDigest {
    private ActionDigest() {
    }

    /** Returns {@code sha256:<64 lowercase hex digits>}. */
    public static String of(ActionRequest request) {
        ObjectNode covered = JsonNodeFactory.instance.objectNode();
        covered.put("action", request.action());
        covered.set("resource", ActionRequestJson.resourceToJson(request.resource()));
        covered.set("payload", request.payload());
        return "sha256:" + HexFormat.of().formatHex(sha256(CanonicalJson.encode(covered)));
    }

    public static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
