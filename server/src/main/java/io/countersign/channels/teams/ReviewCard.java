package io.countersign.channels.teams;

import io.countersign.channels.ReviewStatus;
import io.countersign.channels.AgentText;
import io.countersign.json.Json;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.Lifecycle;
import io.countersign.lifecycle.Review;
import io.countersign.lifecycle.ReviewDecision;
import io.countersign.model.ActionRequest;
import io.countersign.model.Status;
import io.countersign.policy.Justification;
import io.countersign.policy.RequireApproval;
import java.net.URI;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The contextual review of one action as an Adaptive Card: headline, requester and agent run, target,
 * expiry, the stated intent (marked as the requester's words), the exact payload, context, rules and
 * controls, the quorum so far and each review; while pending, a justification box and Approve / Deny
 * ({@code Action.Execute}). Rendered from the stored record every time.
 *
 * <p>Everything the requester wrote goes into {@code TextRun}s, which Teams shows as typed: no markdown,
 * so {@code [click](https://evil)} or {@code **URGENT**} in an intent stays text. Only text Countersign
 * writes itself goes into {@code TextBlock}s.
 */
final class ReviewCard {
    static final String SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json";
    static final int TEXT_LIMIT = 1000;

    private ReviewCard() {
    }

    /** The card for the bot: Approve / Deny while pending. */
    static ObjectNode interactive(ActionRecord record, URI console) {
        return card(record, console, true, "1.5");
    }

    /**
     * The card for a Workflows webhook: buttons there cannot call Countersign back, so the review happens
     * in the console it links to. Workflows takes cards up to version 1.4.
     */
    static ObjectNode notifyOnly(ActionRecord record, URI console) {
        return card(record, console, false, "1.4");
    }

    private static ObjectNode card(ActionRecord record, URI console, boolean interactive, String version) {
        ActionRequest request = record.request();
        ObjectNode card = Json.object();
        card.put("type", "AdaptiveCard");
        card.put("$schema", SCHEMA);
        card.put("version", version);
        card.putObject("msteams").put("width", "Full");
        ArrayNode body = card.putArray("body");

        ObjectNode headline = rich(body);
        run(headline, ReviewStatus.label(record) + " ").put("weight", "Bolder").put("size", "Medium");
        run(headline, limit(AgentText.line(request.headline()), 300)).put("weight", "Bolder").put("size", "Medium");

        fact(body, "Requester", record.requester().describe());
        JsonNode agentRun = request.context().get("agent_run");
        if (agentRun != null) {
            fact(body, "Agent run", agentRun.isString() ? agentRun.stringValue() : Json.text(agentRun));
        }
        fact(body, "Target", request.resource().type() + " " + request.resource().id()
                + (request.resource().env() == null ? "" : " (" + request.resource().env() + ")"));
        if (!request.resource().labels().isEmpty()) {
            StringBuilder labels = new StringBuilder();
            for (Map.Entry<String, String> label : request.resource().labels().entrySet()) {
                labels.append(label.getKey()).append('=').append(label.getValue()).append(' ');
            }
            fact(body, "Labels", labels.toString().strip());
        }
        if (record.expiresAt() != null) {
            // Countersign's own text: a TextBlock, so Teams shows the time in the reader's zone.
            String at = record.expiresAt().toString();
            text(body, "**Expires:** {{DATE(" + at + ", SHORT)}} {{TIME(" + at + ")}} (" + at + ")");
        }

        fact(body, "Intent (stated by the requester)", request.intent().summary()).put("separator", true);
        if (request.intent().reason() != null) {
            fact(body, "Reason (stated)", request.intent().reason());
        }
        if (request.intent().ticket() != null) {
            fact(body, "Ticket (stated)", request.intent().ticket());
        }

        String payload = AgentText.payload(record);
        text(body, "**Exact payload** (digest `" + record.digest().substring(0, Math.min(19, record.digest().length())) + "…`)").put("separator", true);
        boolean fits = AgentText.payloadFits(record);
        run(rich(body), fits ? payload : cutAt(payload, AgentText.PAYLOAD_LIMIT)).put("fontType", "Monospace");
        if (!fits) {
            text(body, "✂ **Cut:** the payload has " + payload.length() + " characters, more than a card shows. Review and approve it "
                    + "in the console, where all of it is shown; it cannot be approved here.").put("color", "Attention");
        }
        if (!request.context().isEmpty()) {
            fact(body, "Context (stated)", Json.text(request.context()));
        }

        fact(body, "Rules", record.decision().rules().isEmpty() ? "policy default" : String.join(", ", record.decision().rules())).put("separator", true);
        if (!record.decision().controls().isEmpty()) {
            fact(body, "Controls", String.join(", ", record.decision().controls()));
        }
        boolean justificationRequired = false;
        if (record.decision() instanceof RequireApproval required) {
            fact(body, "Quorum", Lifecycle.progress(record));
            justificationRequired = required.justification() == Justification.REQUIRED;
        }
        for (Review review : record.reviews()) {
            ObjectNode line = rich(body);
            run(line, (review.decision() == ReviewDecision.APPROVE ? "✅ " : "❌ ") + review.reviewer());
            if (review.comment() != null) {
                run(line, ": " + limit(AgentText.line(review.comment()), TEXT_LIMIT));
            }
        }
        if (record.breakGlass() != null) {
            var glass = record.breakGlass();
            ObjectNode line = rich(body);
            run(line, "🚨 Break-glass by " + glass.by() + ": ").put("weight", "Bolder");
            run(line, limit(AgentText.line(glass.justification()), TEXT_LIMIT));
            run(line, glass.review() == null ? " (to be reviewed afterwards)"
                    : " (" + glass.review().verdict().wireName() + " by " + glass.review().reviewer() + ")");
        }
        run(rich(body), record.id().value()).put("fontType", "Monospace").put("isSubtle", true);

        ArrayNode actions = card.putArray("actions");
        boolean pending = record.status() == Status.PENDING;
        if (interactive && pending) {
            ObjectNode input = body.addObject();
            input.put("type", "Input.Text");
            input.put("id", "justification");
            input.put("isMultiline", true);
            input.put("maxLength", 2000);
            input.put("label", justificationRequired ? "Justification (required by policy)" : "Justification (optional)");
            input.put("placeholder", "Why you approve or deny");
            if (fits) {
                execute(actions, "approve", "Approve", "positive", record);
            }
            execute(actions, "deny", "Deny", "destructive", record);
            ObjectNode refresh = card.putObject("refresh");
            refresh.set("action", verb("refresh", record));
            refresh.putArray("userIds");
        }
        if (console != null) {
            ObjectNode open = actions.addObject();
            open.put("type", "Action.OpenUrl");
            open.put("title", interactive && fits || !pending ? "Open in the console" : "Review in the console");
            open.put("url", console.resolve("requests/" + record.id().value()).toString());
        }
        return card;
    }

    private static void execute(ArrayNode actions, String verb, String title, String style, ActionRecord record) {
        ObjectNode action = verb(verb, record);
        action.put("title", title);
        action.put("style", style);
        actions.add(action);
    }

    private static ObjectNode verb(String verb, ActionRecord record) {
        ObjectNode action = Json.object();
        action.put("type", "Action.Execute");
        action.put("verb", verb);
        action.putObject("data").put("requestId", record.id().value());
        return action;
    }

    /** A label in bold and what the requester or the record says, as typed. */
    private static ObjectNode fact(ArrayNode body, String label, String value) {
        ObjectNode block = rich(body);
        run(block, label + ": ").put("weight", "Bolder");
        run(block, limit(AgentText.line(value), TEXT_LIMIT));
        return block;
    }

    private static ObjectNode rich(ArrayNode body) {
        ObjectNode block = body.addObject();
        block.put("type", "RichTextBlock");
        block.putArray("inlines");
        return block;
    }

    private static ObjectNode run(ObjectNode richText, String text) {
        ObjectNode run = ((ArrayNode) richText.get("inlines")).addObject();
        run.put("type", "TextRun");
        run.put("text", text);
        return run;
    }

    private static ObjectNode text(ArrayNode body, String countersignText) {
        ObjectNode block = body.addObject();
        block.put("type", "TextBlock");
        block.put("text", countersignText);
        block.put("wrap", true);
        return block;
    }

    private static String limit(String text, int max) {
        return text.length() <= max ? text : cutAt(text, max - 12) + " (truncated)";
    }

    /** The first {@code max} characters, never splitting a surrogate pair. */
    private static String cutAt(String text, int max) {
        int end = Math.min(max, text.length());
        if (end > 0 && end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end);
    }
}
