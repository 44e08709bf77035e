package io.countersign.api;

import io.countersign.policy.DecisionJson;
import io.countersign.json.Json;
import io.countersign.events.ActionEvent;
import io.countersign.events.EventCodec;
import io.countersign.policy.DurationText;
import io.countersign.policy.Effect;
import io.countersign.policy.Explanation;
import io.countersign.policy.Policy;
import io.countersign.policy.Rule;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The JSON of the active policy, its load history and explanations. */
public final class PolicyRepresentation {
    private PolicyRepresentation() {
    }

    public static ObjectNode of(Policy policy, List<ActionEvent> history) {
        ObjectNode body = Json.object();
        body.put("version", policy.version().value());
        body.put("default", policy.defaultEffect().wireName());
        policy.files().forEach(body.putArray("files")::add);
        ArrayNode rules = body.putArray("rules");
        for (Rule rule : policy.rules()) {
            ObjectNode item = rules.addObject();
            item.put("id", rule.id());
            if (rule.description() != null) {
                item.put("description", rule.description());
            }
            item.put("file", rule.file());
            item.put("line", rule.line());
            item.put("when", rule.when().source());
            item.put("effect", rule.effect().wireName());
            if (rule.effect() == Effect.REQUIRE_APPROVAL) {
                ObjectNode approvals = item.putObject("approvals");
                approvals.put("min", rule.minApprovals());
                rule.approvers().forEach(approvals.putArray("from")::add);
                approvals.put("any_deny_ends", rule.anyDenyEnds());
                item.put("ttl", DurationText.format(rule.ttl()));
                item.put("justification", rule.justification().wireName());
                item.put("relax_pending", rule.relaxPending() ? "approve" : "keep");
            }
            if (rule.require() != null) {
                item.put("require", rule.require().source());
            }
            rule.controls().forEach(item.putArray("controls")::add);
            rule.channels().forEach(item.putArray("notify")::add);
        }
        ArrayNode loads = body.putArray("history");
        for (ActionEvent event : history) {
            ObjectNode item = loads.addObject();
            item.put("type", event.type().wireName());
            item.put("at", event.at().toString());
            item.setAll(EventCodec.detail(event.event()));
        }
        return body;
    }

    public static ObjectNode of(Explanation explanation, String principal) {
        ObjectNode body = Json.object();
        body.put("policy_version", explanation.version().value());
        body.put("principal", principal);
        if (explanation.decision() != null) {
            body.put("effect", explanation.decision().effect());
            body.set("decision", DecisionJson.toJson(explanation.decision()));
        } else {
            body.put("effect", "refused");
            ObjectNode refused = body.putObject("refused");
            refused.put("rule", explanation.refusal().rule());
            refused.put("message", explanation.refusal().getMessage());
        }
        ArrayNode rules = body.putArray("rules");
        for (Explanation.RuleTrace trace : explanation.rules()) {
            ObjectNode item = rules.addObject();
            item.put("id", trace.id());
            item.put("file", trace.file());
            item.put("line", trace.line());
            item.put("effect", trace.effect().wireName());
            item.put("matched", trace.matched());
            if (trace.why() != null) {
                item.put("why", trace.why());
            }
            if (trace.requirement() != null) {
                item.put("requirement_met", trace.requirement());
            }
        }
        return body;
    }
}
