package io.countersign.mcp;

import io.countersign.client.JsonApi;
import io.countersign.sdk.OutcomeDelivery;
import io.countersign.json.ActionRequestJson;
import io.countersign.json.Json;
import io.countersign.json.ActionDigest;
import io.countersign.model.InvalidInputException;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Puts one {@code tools/call} under policy and human approval. The call becomes the action
 * {@code mcp.<server>.<tool>} with the arguments as payload; allowed or approved, it is claimed with its
 * grant (once, compare-and-set on the server) and exactly the stored, approved arguments are forwarded, the
 * call checked against them first; denied, the model reads why in a tool error; needing approval, the call is held open
 * for a while, then answered "pending" with the request id. The same call again finds the same request,
 * and once approved runs once.
 */
public final class ToolCallGate {
    private final JsonApi countersign;
    private final GatewaySettings settings;
    /** Calls waiting for people, by the digest of their action: a retry of the same call finds its request. */
    private final Map<String, String> held = new ConcurrentHashMap<>();
    private final OutcomeReports outcomes;

    public ToolCallGate(JsonApi countersign, GatewaySettings settings) {
        this.countersign = countersign;
        this.settings = settings;
        this.outcomes = new OutcomeReports(countersign, Duration.ofMillis(500));
    }

    /**
     * The action a call to {@code tool} with {@code arguments} is; what policy sees and reviewers approve. Its
     * labels come from the gateway's settings ({@link ToolLabels}: read-only, destructive and the rest), never
     * from the upstream's annotations, which an upstream may set to anything; those are passed on in the
     * context, as the upstream's claims, for reviewers to read.
     */
    public ObjectNode action(UpstreamServer upstream, UpstreamServer.KnownTool tool, JsonNode arguments) {
        String name = tool.tool().name();
        ToolLabels configured = upstream.labels();
        ObjectNode request = Json.object();
        request.put("action", "mcp." + upstream.name() + "." + name);
        ObjectNode resource = request.putObject("resource");
        resource.put("type", "mcp.tool");
        resource.put("id", upstream.name() + "/" + name);
        resource.put("env", settings.env());
        ObjectNode labels = resource.putObject("labels");
        labels.put("server", upstream.name());
        labels.put("tool", name);
        configured.of(name).forEach(labels::put);
        labels.put("listed", Boolean.toString(configured.listed(name)));
        labels.put("tool_changed", Boolean.toString(tool.changed()));
        McpSchema.ToolAnnotations hints = tool.tool().annotations();
        String title = hints != null && hints.title() != null ? hints.title() : tool.tool().title();
        request.putObject("intent").put("summary", "MCP tools/call " + name + (title == null ? "" : " (" + title + ")")
                + " on server " + upstream.name());
        ObjectNode payload = request.putObject("payload");
        payload.set("arguments", arguments);
        // The tool's definition is part of what an approval covers: the same arguments to a tool that has since
        // become something else are another request.
        payload.put("tool_fingerprint", tool.fingerprint());
        ObjectNode context = request.putObject("context");
        context.put("via", "countersign mcp");
        if (tool.changed()) {
            context.put("tool_first_fingerprint", tool.firstFingerprint());
        }
        if (hints != null) {
            ObjectNode claimed = context.putObject("upstream_annotations");
            putHint(claimed, "readOnlyHint", hints.readOnlyHint());
            putHint(claimed, "destructiveHint", hints.destructiveHint());
            putHint(claimed, "idempotentHint", hints.idempotentHint());
            putHint(claimed, "openWorldHint", hints.openWorldHint());
        }
        return request;
    }

    private static void putHint(ObjectNode claimed, String name, Boolean value) {
        if (value != null) {
            claimed.put(name, value);
        }
    }

    /** The call's {@code CallToolResult}: the upstream's own when it ran, else the gateway's answer saying why not. */
    public ObjectNode call(UpstreamServer upstream, UpstreamServer.KnownTool tool, JsonNode arguments, Cancellation cancellation) {
        if (tool.changed() && settings.refuseChangedTools()) {
            return error("The tool " + tool.tool().name() + " of server " + upstream.name() + " is not the one first seen here (its "
                    + "definition changed: " + tool.firstFingerprint() + " → " + tool.fingerprint() + "), and this gateway refuses "
                    + "changed tools until an admin accepts the new definition. Nothing ran.");
        }
        ObjectNode request = action(upstream, tool, arguments);
        String digest;
        try {
            digest = ActionDigest.of(ActionRequestJson.fromJson(request));
        } catch (InvalidInputException e) {
            return error("Countersign cannot put this call under policy: " + e.getMessage());
        }
        if (cancellation.cancelled()) {
            return error("The agent cancelled this call before it was put to Countersign; nothing ran.");
        }
        JsonNode record = held.containsKey(digest) ? current(held.get(digest)) : null;
        if (record == null) {
            JsonApi.Answer submitted = countersign.post("v1/actions", request);
            if (!submitted.body().has("status")) {
                return error("Countersign refused this call: " + submitted.errorMessage());
            }
            record = submitted.body();
        }
        String id = record.path("id").asString();
        if ("pending".equals(status(record))) {
            held.put(digest, id);
            record = await(id, record, cancellation);
        }
        if (cancellation.cancelled()) {
            // Nobody reads this answer; what matters is that nothing runs. The request stays for a retry.
            return error("The agent cancelled this call; nothing ran (request " + id + ").");
        }
        return switch (status(record)) {
            case "allowed", "approved" -> run(upstream, tool, digest, request, record, cancellation);
            case "pending" -> pending(record);
            case "denied" -> {
                held.remove(digest);
                yield error("Countersign denied this call (request " + id + "): " + reason(record));
            }
            case "expired" -> {
                held.remove(digest);
                yield error("The approval request " + id + " for this call expired before enough people approved it. Nothing ran.");
            }
            case "cancelled" -> {
                held.remove(digest);
                yield error("The approval request " + id + " for this call was cancelled. Nothing ran.");
            }
            default -> {
                held.remove(digest);
                yield error("This call already ran under request " + id + " (" + status(record) + "); ask again to run it again.");
            }
        };
    }

    private JsonNode current(String id) {
        JsonApi.Answer answer = countersign.get("v1/actions/" + id, Duration.ofSeconds(30));
        return answer.ok() ? answer.body() : null;
    }

    /**
     * Holds the call open while people decide, up to the configured time or until the agent cancels it;
     * a cancellation ends the long-poll under way at once instead of when it returns (up to a minute).
     */
    private JsonNode await(String id, JsonNode record, Cancellation cancellation) {
        Instant until = Instant.now().plus(settings.hold());
        while ("pending".equals(status(record)) && !cancellation.cancelled()) {
            long seconds = Duration.between(Instant.now(), until).toSeconds();
            if (seconds < 1) {
                return record;
            }
            String poll = "v1/actions/" + id + "?wait=" + Math.min(seconds, 60) + "s";
            JsonApi.Answer answer;
            try {
                answer = cancellation.interrupting(() -> countersign.get(poll, Duration.ofSeconds(90)));
            } catch (RuntimeException e) {
                if (cancellation.cancelled()) {
                    return record;
                }
                throw e;
            }
            if (!answer.ok()) {
                return record;
            }
            record = answer.body();
        }
        return record;
    }

    private ObjectNode run(UpstreamServer upstream, UpstreamServer.KnownTool tool, String digest, ObjectNode request, JsonNode record,
                           Cancellation cancellation) {
        String id = record.path("id").asString();
        String grant = record.path("grant").path("token").asString(null);
        if (grant == null) {
            return error("Countersign allowed request " + id + " but issued no grant to run it; nothing ran.");
        }
        // The stored request's digest may differ from this call's own (the server fills in its inventory's facts about
        // the resource), so the call is matched to it by what runs: the same action with the same arguments.
        if (!sameCall(request, record)) {
            return error("Request " + id + " is not this exact call (action or arguments differ); nothing ran.");
        }
        if ("approved".equals(status(record))) {
            // People approved this one call: it is claimed before it runs (the grant used up by compare-and-set,
            // policy asked again), so of every session holding this approval exactly one runs it. An allowed call
            // needs no such step (policy would allow the same call again); its grant is used when the outcome is
            // recorded, which keeps a durable write off its path.
            ObjectNode claim = Json.object();
            claim.put("grant", grant);
            JsonApi.Answer claimed = countersign.post("v1/actions/" + id + "/claim", claim);
            held.remove(digest);
            if (!claimed.ok()) {
                return error("Request " + id + " may not run now: " + claimed.errorMessage() + ". Nothing ran.");
            }
            if (!record.path("digest").asString().equals(claimed.body().path("digest").asString())) {
                return error("The grant for request " + id + " is for another call (digest differs); nothing ran.");
            }
        }
        // Forward exactly what was approved: the arguments of the stored request, as Countersign holds them,
        // never the bytes of this call (for a retry, equal as values, but the approval is of the stored ones).
        JsonNode approved = record.path("payload").path("arguments");
        ObjectNode result;
        try {
            result = upstream.callTool(tool.tool().name(), approved, cancellation);
        } catch (UpstreamConnection.Cancelled e) {
            report(record, grant, false, e.getMessage());
            return error(e.getMessage() + "; it may have run in part (request " + id + ").");
        } catch (UpstreamServer.Unavailable e) {
            report(record, grant, false, e.getMessage());
            return error(e.getMessage() + ". The call may or may not have run; request " + id + " is used up.");
        } catch (UpstreamServer.Refused e) {
            report(record, grant, false, e.getMessage());
            return error("The upstream server answered with an error: " + e.getMessage());
        }
        boolean failed = result.path("isError").asBoolean(false);
        report(record, grant, !failed, failed ? "the tool answered with an error" : null);
        return result;
    }

    /** Whether the stored request {@code record} is the call {@code request}: the same action and, canonically, the same arguments. */
    private static boolean sameCall(ObjectNode request, JsonNode record) {
        return request.path("action").asString().equals(record.path("action").asString())
                && java.util.Arrays.equals(canonical(request.path("payload")), canonical(record.path("payload")));
    }

    private static byte[] canonical(JsonNode payload) {
        ObjectNode wrapped = Json.object();
        wrapped.set("payload", payload);
        return io.countersign.json.CanonicalJson.encode(wrapped);
    }

    /** Lets the outcome reports still on their way arrive, for up to {@code limit}: the gateway is stopping. */
    public void finish(Duration limit) {
        outcomes.finish(limit);
    }

    /** The outcome goes to the audit log after the answer, off the call's path. */
    private void report(JsonNode record, String grant, boolean succeeded, String detail) {
        outcomes.report(record.path("id").asString(), grant, OutcomeDelivery.grantExpiry(record.path("grant").path("expires_at").asString(null)), succeeded, detail);
    }

    private ObjectNode pending(JsonNode record) {
        String id = record.path("id").asString();
        String text = "This call needs approval by people before it runs. Countersign request " + id + " is waiting for review"
                + (record.has("expires_at") ? " until " + record.path("expires_at").asString() : "")
                + ". Nothing ran yet. Call this tool again with exactly the same arguments once it is approved: it will then run once.";
        ObjectNode result = text(text, settings.pendingAsError());
        ObjectNode meta = result.putObject("_meta");
        meta.put("countersign/request", id);
        meta.put("countersign/status", "pending");
        return result;
    }

    private static String status(JsonNode record) {
        return record.path("status").asString("");
    }

    /** Why policy denied it, and the deny rule that decided (never merely the first rule that matched). */
    private static String reason(JsonNode record) {
        JsonNode decision = record.path("decision");
        String reason = decision.path("reason").asString(record.path("error").path("message").asString(""));
        String rule = decision.path("rule").asString(record.path("error").path("rule").asString(""));
        return (reason.isEmpty() ? "policy denies it" : reason) + (rule.isEmpty() ? " (the policy's default)" : " (rule " + rule + ")");
    }

    /** A tool error the model can read: what MCP uses for a call that did not run, rather than a protocol error. */
    static ObjectNode error(String text) {
        return text(text, true);
    }

    private static ObjectNode text(String text, boolean isError) {
        ObjectNode result = Json.object();
        ObjectNode content = result.putArray("content").addObject();
        content.put("type", "text");
        content.put("text", text);
        result.put("isError", isError);
        return result;
    }
}
