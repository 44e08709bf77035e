package io.countersign.json;

import io.countersign.model.ActionRequest;
import io.countersign.model.Intent;
import io.countersign.model.InvalidInputException;
import io.countersign.model.Resource;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The wire form of an {@link ActionRequest}, read strictly from untrusted JSON and written back. */
public final class ActionRequestJson {
    /** Dotted lower-case names, as policies match on them: {@code db.export}, {@code mcp.fs.write_file}. */
    private static final Pattern ACTION_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,199}");
    private static final Set<String> TOP = Set.of("action", "resource", "intent", "payload", "context", "idempotency_key",
            "callback_url");
    private static final Set<String> RESOURCE = Set.of("type", "id", "env", "labels");
    private static final Set<String> INTENT = Set.of("summary", "reason", "ticket");
    private static final int SHORT = 256;
    private static final int LONG = 8192;

    private ActionRequestJson() {
    }

    public static ActionRequest fromJson(JsonNode body) {
        JsonFields top = JsonFields.of(body, "").onlyAllow(TOP);
        // Everything the digest covers, and everything shown to reviewers, must mean one thing to every reader.
        IJson.check(body, "");
        String action = top.requiredString("action", 200);
        if (!ACTION_NAME.matcher(action).matches()) {
            throw new InvalidInputException("action", "'action' must be a dotted name such as db.export (letters, digits, _ . : / -)");
        }
        JsonFields resource = top.requiredObject("resource").onlyAllow(RESOURCE);
        Resource target = new Resource(
                resource.requiredString("type", SHORT),
                resource.requiredString("id", 1024),
                resource.optionalString("env", SHORT),
                resource.optionalStringMap("labels", 64, SHORT));
        JsonFields intent = top.requiredObject("intent").onlyAllow(INTENT);
        Intent stated = new Intent(
                intent.requiredString("summary", 1024),
                intent.optionalString("reason", LONG),
                intent.optionalString("ticket", SHORT));
        JsonNode payload = top.get("payload");
        ObjectNode context = top.optionalObject("context");
        if (context != null && context.has("on_behalf_of") && !context.get("on_behalf_of").isString()) {
            throw new InvalidInputException("context.on_behalf_of", "'context.on_behalf_of' must be a string naming a human");
        }
        return new ActionRequest(action, target, stated, payload, context, top.optionalString("idempotency_key", SHORT),
                callbackUrl(top.optionalString("callback_url", 2048)));
    }

    private static java.net.URI callbackUrl(String text) {
        if (text == null) {
            return null;
        }
        java.net.URI url;
        try {
            url = new java.net.URI(text);
        } catch (java.net.URISyntaxException e) {
            throw new InvalidInputException("callback_url", "'callback_url' is not a URL: " + e.getReason());
        }
        if (!("https".equals(url.getScheme()) || "http".equals(url.getScheme())) || url.getHost() == null
                || url.getRawUserInfo() != null || url.getRawFragment() != null) {
            throw new InvalidInputException("callback_url", "'callback_url' must be an http(s) URL with a host, without user info or fragment");
        }
        return url;
    }

    public static ObjectNode toJson(ActionRequest request) {
        ObjectNode node = Json.object();
        node.put("action", request.action());
        node.set("resource", resourceToJson(request.resource()));
        node.set("intent", intentToJson(request.intent()));
        node.set("payload", request.payload());
        node.set("context", request.context());
        if (request.idempotencyKey() != null) {
            node.put("idempotency_key", request.idempotencyKey());
        }
        if (request.callbackUrl() != null) {
            node.put("callback_url", request.callbackUrl().toString());
        }
        return node;
    }

    public static ObjectNode resourceToJson(Resource resource) {
        ObjectNode node = Json.object();
        node.put("type", resource.type());
        node.put("id", resource.id());
        if (resource.env() != null) {
            node.put("env", resource.env());
        }
        ObjectNode labels = node.putObject("labels");
        for (Map.Entry<String, String> label : resource.labels().entrySet()) {
            labels.put(label.getKey(), label.getValue());
        }
        return node;
    }

    public static ObjectNode intentToJson(Intent intent) {
        ObjectNode node = Json.object();
        node.put("summary", intent.summary());
        if (intent.reason() != null) {
            node.put("reason", intent.reason());
        }
        if (intent.ticket() != null) {
            node.put("ticket", intent.ticket());
        }
        return node;
    }
}
