package io.countersign.server;

import io.countersign.json.Json;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Interaction payloads as Slack sends them (workspace T111, app A111), and reading back posted blocks. */
final class SlackPayloads {
    private static final AtomicInteger TRIGGERS = new AtomicInteger();

    private SlackPayloads() {
    }

    /** A click on Approve or Deny in the posted message. */
    static ObjectNode click(String user, String decision, String actionId) {
        ObjectNode payload = Json.object();
        payload.put("type", "block_actions");
        payload.putObject("user").put("id", user);
        payload.putObject("channel").put("id", "C0PROD");
        payload.putObject("container").put("channel_id", "C0PROD");
        payload.put("trigger_id", "trigger-" + TRIGGERS.incrementAndGet());
        payload.put("api_app_id", "A111");
        payload.putObject("team").put("id", "T111");
        var action = payload.putArray("actions").addObject();
        action.put("action_id", decision);
        action.put("block_id", "decision");
        action.put("value", actionId);
        action.put("type", "button");
        return payload;
    }

    /** The justification modal submitted. */
    static ObjectNode submission(String user, String decision, String actionId, String justification) {
        ObjectNode payload = Json.object();
        payload.put("type", "view_submission");
        payload.putObject("user").put("id", user);
        payload.put("api_app_id", "A111");
        payload.putObject("team").put("id", "T111");
        ObjectNode view = payload.putObject("view");
        view.put("callback_id", "justification");
        var metadata = Json.object();
        metadata.put("action_id", actionId);
        metadata.put("decision", decision);
        view.put("private_metadata", Json.text(metadata));
        var value = view.putObject("state").putObject("values").putObject("justification").putObject("text");
        value.put("type", "plain_text_input");
        if (justification != null) {
            value.put("value", justification);
        }
        return payload;
    }

    static boolean hasButtons(JsonNode blocks) {
        return blocks.valueStream().anyMatch(b -> b.path("type").asString().equals("actions"));
    }

    static String header(JsonNode blocks) {
        return blocks.get(0).path("text").path("text").asString();
    }

    /** Every mrkdwn text of a message: what Slack parses for formatting, links and mentions. */
    static java.util.List<String> mrkdwn(JsonNode blocks) {
        java.util.List<String> found = new java.util.ArrayList<>();
        collect(blocks, node -> "mrkdwn".equals(node.path("type").asString()), found);
        return found;
    }

    /** Every text Slack shows as typed: rich-text text elements and plain_text objects. */
    static java.util.List<String> literal(JsonNode blocks) {
        java.util.List<String> found = new java.util.ArrayList<>();
        collect(blocks, node -> ("text".equals(node.path("type").asString()) && node.path("text").isString())
                || "plain_text".equals(node.path("type").asString()), found);
        return found;
    }

    private static void collect(JsonNode node, java.util.function.Predicate<JsonNode> wanted, java.util.List<String> found) {
        if (node.isObject() && wanted.test(node)) {
            found.add(node.path("text").asString());
        }
        node.values().forEach(child -> collect(child, wanted, found));
    }

    /** The action ids of a message's buttons. */
    static java.util.List<String> buttons(JsonNode blocks) {
        return blocks.valueStream().filter(b -> b.path("type").asString().equals("actions"))
                .flatMap(b -> b.path("elements").valueStream()).map(e -> e.path("action_id").asString()).toList();
    }
}
