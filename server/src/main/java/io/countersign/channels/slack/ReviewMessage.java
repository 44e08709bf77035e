package io.countersign.channels.slack;

import io.countersign.channels.ReviewStatus;
import io.countersign.json.Json;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.Lifecycle;
import io.countersign.lifecycle.Review;
import io.countersign.model.ActionRequest;
import io.countersign.model.Status;
import io.countersign.policy.RequireApproval;
import java.net.URI;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The contextual review of one action as a Slack Block Kit message: headline, requester and agent run,
 * the stated intent (marked as the agent's words), the exact payload, context, rules and controls,
 * quorum so far, absolute expiry, and Approve / Deny while it is pending. Rendered from the stored
 * record every time, never from an earlier message. Everything the requester wrote is escaped, so
 * {@code <!channel>} or a fake {@code <https://…|link>} shows as text.
 */
public final class ReviewMessage {
    /** Slack's limit for a section's text is 3000 characters. */
    static final int SECTION_LIMIT = 3000;
    static final int PAYLOAD_LIMIT = 1800;

    private ReviewMessage() {
    }

    /** The notification text (also the fallback where blocks cannot show). */
    public static String text(ActionRecord record) {
        return ReviewStatus.label(record) + " " + escape(record.request().headline());
    }

    /**
     * @param console the web console, for a link to the full request; may be null
     */
    public static ArrayNode blocks(ActionRecord record, URI console) {
        ActionRequest request = record.request();
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        ObjectNode header = blocks.addObject();
        header.put("type", "header");
        header.set("text", plain(limit(ReviewStatus.label(record) + " " + request.headline(), 150)));

        ObjectNode facts = blocks.addObject();
        facts.put("type", "section");
        ArrayNode fields = facts.putArray("fields");
        fields.add(markdown("*Requester*\n" + escape(record.requester().describe())));
        JsonNode run = request.context().get("agent_run");
        fields.add(markdown("*Agent run*\n" + (run == null ? "—" : escape(run.isString() ? run.stringValue() : run.toString()))));
        fields.add(markdown("*Target*\n" + escape(request.resource().type() + " " + request.resource().id())
                + (request.resource().env() == null ? "" : " (" + escape(request.resource().env()) + ")")));
        if (record.expiresAt() != null) {
            long epoch = record.expiresAt().getEpochSecond();
            fields.add(markdown("*Expires*\n<!date^" + epoch + "^{date_short_pretty} {time}|" + record.expiresAt() + ">"));
        }
        if (!request.resource().labels().isEmpty()) {
            StringBuilder labels = new StringBuilder("*Labels*\n");
            request.resource().labels().forEach((k, v) -> labels.append(escape(k)).append('=').append(escape(v)).append(' '));
            fields.add(markdown(labels.toString().strip()));
        }

        StringBuilder intent = new StringBuilder("*Intent (stated by the requester):* ").append(escape(request.intent().summary()));
        if (request.intent().reason() != null) {
            intent.append("\n*Reason (stated):* ").append(escape(request.intent().reason()));
        }
        if (request.intent().ticket() != null) {
            intent.append("\n*Ticket (stated):* ").append(escape(request.intent().ticket()));
        }
        section(blocks, limit(intent.toString(), SECTION_LIMIT));

        String payload = Json.text(request.payload());
        String escaped = escape(payload).replace("```", "`\u200b``");
        boolean cut = escaped.length() > PAYLOAD_LIMIT;
        String shown = cut ? cutAt(escaped, PAYLOAD_LIMIT) : escaped;
        section(blocks, "*Exact payload* (digest `" + record.digest().substring(0, Math.min(19, record.digest().length())) + "…`)\n```"
                + shown + "```" + (cut ? "\n_truncated: " + payload.length() + " characters in all_" : ""));
        if (!request.context().isEmpty()) {
            section(blocks, limit("*Context (stated):* " + escape(Json.text(request.context())), SECTION_LIMIT));
        }

        StringBuilder policy = new StringBuilder("*Rules:* ").append(record.decision().rules().isEmpty()
                ? "policy default" : escape(String.join(", ", record.decision().rules())));
        if (!record.decision().controls().isEmpty()) {
            policy.append("   *Controls:* ").append(escape(String.join(", ", record.decision().controls())));
        }
        if (record.decision() instanceof RequireApproval required) {
            policy.append("\n*Quorum:* ").append(escape(Lifecycle.progress(record)));
            if (required.justification() == io.countersign.policy.Justification.REQUIRED) {
                policy.append("\n_A justification is required with every review._");
            }
        }
        section(blocks, limit(policy.toString(), SECTION_LIMIT));

        List<Review> reviews = record.reviews();
        if (!reviews.isEmpty()) {
            StringBuilder lines = new StringBuilder("*Reviews*");
            for (Review review : reviews) {
                lines.append("\n").append(review.decision() == io.countersign.lifecycle.ReviewDecision.APPROVE ? "✅ " : "❌ ")
                        .append(escape(review.reviewer())).append(review.comment() == null ? "" : ": " + escape(review.comment()));
            }
            section(blocks, limit(lines.toString(), SECTION_LIMIT));
        }

        ObjectNode context = blocks.addObject();
        context.put("type", "context");
        String link = console == null ? "" : " · <" + console.resolve("requests/" + record.id().value()) + "|Open in the console>";
        context.putArray("elements").add(markdown("`" + record.id().value() + "`" + link));

        if (record.status() == Status.PENDING) {
            ObjectNode actions = blocks.addObject();
            actions.put("type", "actions");
            actions.put("block_id", "decision");
            ArrayNode buttons = actions.putArray("elements");
            buttons.add(button("approve", "Approve", "primary", record.id().value()));
            buttons.add(button("deny", "Deny", "danger", record.id().value()));
        }
        return blocks;
    }

    /** The modal that asks for a justification before a decision counts. */
    public static ObjectNode justificationModal(ActionRecord record, String decision, boolean required) {
        ObjectNode view = Json.object();
        view.put("type", "modal");
        view.put("callback_id", "justification");
        ObjectNode metadata = Json.object();
        metadata.put("action_id", record.id().value());
        metadata.put("decision", decision);
        view.put("private_metadata", Json.text(metadata));
        String verb = decision.equals("approve") ? "Approve" : "Deny";
        view.set("title", plain(verb + " request"));
        view.set("submit", plain(verb));
        view.set("close", plain("Cancel"));
        ArrayNode blocks = view.putArray("blocks");
        section(blocks, limit("*" + escape(record.request().headline()) + "*\n" + escape(record.request().intent().summary()), SECTION_LIMIT));
        ObjectNode input = blocks.addObject();
        input.put("type", "input");
        input.put("block_id", "justification");
        input.put("optional", !required);
        input.set("label", plain(required ? "Justification (required by policy)" : "Justification"));
        ObjectNode element = input.putObject("element");
        element.put("type", "plain_text_input");
        element.put("action_id", "text");
        element.put("multiline", true);
        element.put("max_length", 2000);
        return view;
    }

    /** Slack's escaping for text it parses: only these three characters are special. */
    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String limit(String text, int max) {
        return text.length() <= max ? text : cutAt(text, max - 12) + " (truncated)";
    }

    /** The first {@code max} characters of escaped text, never ending inside an entity such as {@code &lt;}. */
    private static String cutAt(String escaped, int max) {
        String cut = escaped.substring(0, Math.min(max, escaped.length()));
        int amp = cut.lastIndexOf('&');
        return amp >= 0 && cut.indexOf(';', amp) < 0 ? cut.substring(0, amp) : cut;
    }

    private static void section(ArrayNode blocks, String markdownText) {
        ObjectNode section = blocks.addObject();
        section.put("type", "section");
        section.set("text", markdown(markdownText));
    }

    private static ObjectNode plain(String text) {
        ObjectNode node = Json.object();
        node.put("type", "plain_text");
        node.put("text", text);
        return node;
    }

    private static ObjectNode markdown(String text) {
        ObjectNode node = Json.object();
        node.put("type", "mrkdwn");
        node.put("text", text);
        return node;
    }

    private static ObjectNode button(String actionId, String label, String style, String value) {
        ObjectNode button = Json.object();
        button.put("type", "button");
        button.put("action_id", actionId);
        button.put("style", style);
        button.put("value", value);
        button.set("text", plain(label));
        return button;
    }
}
