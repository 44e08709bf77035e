package io.countersign.cli;

import io.countersign.client.JsonApi;
import io.countersign.json.Json;
import io.countersign.model.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "request", description = "Submit an action request; prints the decision (exit 0 allowed or pending, 3 denied).")
final class RequestCommand extends ClientCommand {
    @Option(names = "--file", description = "The whole request as a JSON file (other options then add to or override it)")
    Path file;

    @Option(names = "--action", description = "What to do, e.g. db.export")
    String action;

    @Option(names = "--resource-type", description = "Kind of target, e.g. postgres.table")
    String resourceType;

    @Option(names = "--resource", description = "Which target, e.g. prod/customers")
    String resource;

    @Option(names = "--env", description = "Environment of the target, e.g. prod")
    String env;

    @Option(names = "--label", description = "Resource label key=value (repeatable)")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--summary", description = "One line: what and why")
    String summary;

    @Option(names = "--reason", description = "Longer justification")
    String reason;

    @Option(names = "--ticket", description = "Change or incident reference")
    String ticket;

    @Option(names = "--payload", description = "The exact thing to run, as JSON")
    String payload;

    @Option(names = "--context", description = "Context key=value (repeatable), e.g. on_behalf_of=alice@example.com")
    Map<String, String> context = new LinkedHashMap<>();

    @Option(names = "--idempotency-key", description = "Retries with the same key return the same request")
    String idempotencyKey;

    @Override
    int run(JsonApi api) {
        ObjectNode body;
        try {
            body = build();
        } catch (InvalidInputException e) {
            err().println("countersign: " + e.getMessage());
            return ExitCode.USAGE;
        }
        int code = showAction(api.post("v1/actions", body));
        // A pending request was accepted; waiting for its decision is the job of `countersign wait`.
        return code == ExitCode.STILL_PENDING ? ExitCode.OK : code;
    }

    private ObjectNode build() {
        ObjectNode body = Json.object();
        if (file != null) {
            try {
                JsonNode parsed = Json.parse(Files.readAllBytes(file));
                if (!parsed.isObject()) {
                    throw new InvalidInputException("--file", file + " must hold a JSON object");
                }
                body = (ObjectNode) parsed;
            } catch (IOException e) {
                throw new InvalidInputException("--file", "cannot read " + file + ": " + e.getMessage());
            }
        }
        if (action != null) body.put("action", action);
        ObjectNode target = body.has("resource") && body.get("resource").isObject() ? (ObjectNode) body.get("resource") : body.putObject("resource");
        if (resourceType != null) target.put("type", resourceType);
        if (resource != null) target.put("id", resource);
        if (env != null) target.put("env", env);
        if (!labels.isEmpty()) {
            ObjectNode labelNode = target.has("labels") ? (ObjectNode) target.get("labels") : target.putObject("labels");
            labels.forEach(labelNode::put);
        }
        ObjectNode intent = body.has("intent") && body.get("intent").isObject() ? (ObjectNode) body.get("intent") : body.putObject("intent");
        if (summary != null) intent.put("summary", summary);
        if (reason != null) intent.put("reason", reason);
        if (ticket != null) intent.put("ticket", ticket);
        if (payload != null) {
            try {
                body.set("payload", Json.parse(payload));
            } catch (InvalidInputException e) {
                throw new InvalidInputException("--payload", "--payload is not valid JSON: " + e.getMessage());
            }
        }
        if (!context.isEmpty()) {
            ObjectNode contextNode = body.has("context") ? (ObjectNode) body.get("context") : body.putObject("context");
            context.forEach(contextNode::put);
        }
        if (idempotencyKey != null) body.put("idempotency_key", idempotencyKey);
        return body;
    }
}
