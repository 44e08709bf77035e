package io.countersign.channels.slack;

import io.countersign.channels.AgentText;
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
 * record every time, never from an earlier message.
 *
 * <p>Everything the requester wrote goes into rich-text and plain-text elements, which Slack shows as
 * typed: no mrkdwn ({@code *bold*}, {@code _}, {@code ~}, backticks, {@code >} quotes), no links and no
 * mentions, so {@code <!channel>} or a fake {@code <https://…|link>} stays text; and each value is one line
 * ({@link AgentText#line}), so it cannot forge a line of the message. Only Countersign's own words are
 * mrkdwn. A payload too long for a message is shown cut, marked so, and is approved only in the console:
 * the message then offers no Approve button, only a link.
 */
public final class ReviewMessage {
    /** Slack's limit for a section's text is 3000 characters. */
    static final int SECTION_LIMIT = 3000;
    static final int TEXT_LIMIT = 1000;

    private ReviewMessage() {
    }

    /** The notification text (also the fallback where blocks cannot show): mentions and links escaped, one line. */
    public static String text(ActionRecord record) {
        return ReviewStatus.label(record) + " " + escape(AgentText.line(record.request().headline()));
    }

    /**
     * @param console the web console, for a link to the full request; may be null
     */
    public static ArrayNode blocks(ActionRecord record, URI console) {
        ActionRequest request = record.request();
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        ObjectNode header = blocks.addObject();
        header.put("type", "header");
        header.set("text", plain(limit(ReviewStatus.label(record) + " " + AgentText.line(request.headline()), 150)));

        RichText facts = new RichText(blocks);
        facts.fact("Requester", record.requester().describe());
        JsonNode run = request.context().get("agent_run");
        facts.fact("Agent run", run == null ? "—" : run.isString() ? run.stringValue() : run.toString());
        facts.fact("Target", request.resource().type() + " " + request.resource().id()
                + (request.resource().env() == null ? "" : " (" + request.resource().env() + ")"));
        if (record.expiresAt() != null) {
            facts.fact("Expires", record.expiresAt().toString());
        }
        if (!request.resource().labels().isEmpty()) {
            StringBuilder labels = new StringBuilder();
            request.resource().labels().forEach((k, v) -> labels.append(k).append('=').append(v).append(' '));
            facts.fact("Labels", labels.toString().strip());
        }

        RichText intent = new RichText(blocks);
        intent.fact("Intent (stated by the requester)", request.intent().summary());
        if (request.intent().reason() != null) {
            intent.fact("Reason (stated)", request.intent().reason());
        }
        if (request.intent().ticket() != null) {
            intent.fact("Ticket (stated)", request.intent().ticket());
        }

        String payload = AgentText.payload(record);
        boolean fits = AgentText.payloadFits(record);
        section(blocks, "*Exact payload* (digest `" + record.digest().substring(0, Math.min(19, record.digest().length())) + "…`)");
        preformatted(blocks, fits ? payload : cutAt(payload, AgentText.PAYLOAD_LIMIT));
        if (!fits) {
            String whole = console == null ? "the console" : "<" + console.resolve("requests/" + record.id().value()) + "|the console>";
            section(blocks, ":scissors: *Cut:* the payload has " + payload.length() + " characters, more than a message shows. "
                    + "Review and approve it in " + whole + ", where all of it is shown; it cannot be approved here.");
        }
        if (!request.context().isEmpty()) {
            new RichText(blocks).fact("Context (stated)", Json.text(request.context()));
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
            RichText lines = new RichText(blocks);
            lines.bold("Reviews");
            for (Review review : reviews) {
                lines.text("\n" + (review.decision() == io.countersign.lifecycle.ReviewDecision.APPROVE ? "✅ " : "❌ ") + review.reviewer()
                        + (review.comment() == null ? "" : ": " + limit(AgentText.line(review.comment()), TEXT_LIMIT)));
            }
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
            if (fits) {
                buttons.add(button("approve", "Approve", "primary", record.id().value()));
            } else if (console != null) {
                ObjectNode open = button("open_console", "Review in the console", "primary", record.id().value());
                open.put("url", console.resolve("requests/" + record.id().value()).toString());
                buttons.add(open);
            }
            buttons.add(button("deny", "Deny", "danger", record.id().value()));
        }
        return blocks;
    }

    /**
     * A rich-text block of bold labels (Countersign's) and literal values (the requester's, one line each):
     * Slack parses neither markup nor mentions in rich-text elements.
     */
    private static final class RichText {
        private final ArrayNode elements;
        private boolean first = true;

        RichText(ArrayNode blocks) {
            ObjectNode block = blocks.addObject();
            block.put("type", "rich_text");
            ObjectNode section = block.putArray("elements").addObject();
            section.put("type", "rich_text_section");
            this.elements = section.putArray("elements");
        }

        void fact(String label, String value) {
            if (!first) {
                text("\n");
            }
            bold(label + ": ");
            text(limit(AgentText.line(value), TEXT_LIMIT));
        }

        void bold(String text) {
            first = false;
            ObjectNode element = elements.addObject();
            element.put("type", "text");
            element.put("text", text);
            element.putObject("style").put("bold", true);
        }

        void text(String text) {
            first = false;
            ObjectNode element = elements.addObject();
            element.put("type", "text");
            element.put("text", text);
        }
    }

    /** Monospace, literal text in a box of its own: nothing in it is parsed, and nothing leaves the box. */
    private static void preformatted(ArrayNode blocks, String text) {
        ObjectNode block = blocks.addObject();
        block.put("type", "rich_text");
        ObjectNode box = block.putArray("elements").addObject();
        box.put("type", "rich_text_preformatted");
        ObjectNode element = box.putArray("elements").addObject();
        element.put("type", "text");
        element.put("text", text);
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
        ObjectNode headline = blocks.addObject();
        headline.put("type", "section");
        headline.set("text", plain(limit(AgentText.line(record.request().headline()) + " — " + AgentText.line(record.request().intent().summary()),
                SECTION_LIMIT)));
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

    /** The first {@code max} characters, never splitting a surrogate pair. */
    private static String cutAt(String text, int max) {
        int end = Math.min(max, text.length());
        if (end > 0 && end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end);
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
        node.put("emoji", false);
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
