package io.countersign.policy;

import io.countersign.json.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The JSON form of a {@link Decision}: what the API returns and what the store keeps. */
public final class DecisionJson {
    private DecisionJson() {
    }

    public static ObjectNode toJson(Decision decision) {
        ObjectNode node = Json.object();
        node.put("effect", decision.effect());
        strings(node.putArray("rules"), decision.rules());
        strings(node.putArray("controls"), decision.controls());
        node.put("policy_version", decision.version().value());
        if (decision.grantTtl() != null) {
            node.put("grant_ttl", DurationText.format(decision.grantTtl()));
        }
        switch (decision) {
            case Allow a -> { }
            case Deny d -> {
                node.put("reason", d.reason());
                if (d.rule() != null) {
                    node.put("rule", d.rule());
                }
            }
            case RequireApproval r -> {
                node.set("quorum", quorumToJson(r.quorum()));
                node.put("ttl", DurationText.format(r.ttl()));
                node.put("justification", r.justification().wireName());
                strings(node.putArray("notify"), r.channels());
                if (r.approvalTtl() != null) {
                    node.put("approval_ttl", DurationText.format(r.approvalTtl()));
                }
                if (!r.breakGlass()) {
                    node.put("break_glass", false);
                }
                if (r.nudges() != null) {
                    ObjectNode nudges = node.putObject("nudges");
                    if (r.nudges().remindAfter() != null) {
                        nudges.put("remind_after", DurationText.format(r.nudges().remindAfter()));
                    }
                    if (r.nudges().escalateAfter() != null) {
                        nudges.put("escalate_after", DurationText.format(r.nudges().escalateAfter()));
                        strings(nudges.putArray("escalate_to"), r.nudges().escalateTo());
                    }
                    if (r.nudges().notifyRequester()) {
                        nudges.put("notify_requester", true);
                    }
                    nudges.put("reminded", r.nudges().reminded());
                    nudges.put("escalated", r.nudges().escalated());
                }
            }
        }
        return node;
    }

    public static ObjectNode quorumToJson(Quorum quorum) {
        ObjectNode node = Json.object();
        node.put("any_deny_ends", quorum.anyDenyEnds());
        ArrayNode requirements = node.putArray("requirements");
        for (ApprovalRequirement requirement : quorum.requirements()) {
            ObjectNode item = requirements.addObject();
            item.put("rule", requirement.rule());
            item.put("min", requirement.min());
            strings(item.putArray("from"), requirement.from().stream().sorted().toList());
            // Written only when used (stages counted from 1, as people say them), so a decision of one stage has the
            // bytes it always had.
            if (requirement.stage() != 0) {
                item.put("stage", requirement.stage() + 1);
            }
            if (requirement.anyOf() != ApprovalRequirement.ALONE) {
                item.put("any_of", requirement.anyOf());
            }
        }
        return node;
    }

    public static Decision fromJson(JsonNode node) {
        List<String> rules = strings(node.get("rules"));
        List<String> controls = strings(node.get("controls"));
        PolicyVersion version = new PolicyVersion(node.get("policy_version").stringValue());
        java.time.Duration grantTtl = node.has("grant_ttl") ? DurationText.parse(node.get("grant_ttl").stringValue()) : null;
        return switch (node.get("effect").stringValue()) {
            case "allow" -> new Allow(rules, controls, version, grantTtl);
            case "deny" -> new Deny(rules, controls, node.get("reason").stringValue(), version,
                    node.has("rule") ? node.get("rule").stringValue() : null);
            case "require_approval" -> {
                JsonNode quorum = node.get("quorum");
                List<ApprovalRequirement> requirements = new ArrayList<>();
                for (JsonNode item : quorum.get("requirements").values()) {
                    requirements.add(new ApprovalRequirement(item.get("rule").stringValue(), item.get("min").intValue(),
                            new HashSet<>(strings(item.get("from"))), item.path("stage").asInt(1) - 1,
                            item.path("any_of").asInt(ApprovalRequirement.ALONE)));
                }
                yield new RequireApproval(rules, controls, new Quorum(requirements, quorum.get("any_deny_ends").booleanValue()),
                        io.countersign.policy.DurationText.parse(node.get("ttl").stringValue()),
                        Justification.valueOf(node.get("justification").stringValue().toUpperCase(Locale.ROOT)),
                        strings(node.get("notify")), version, grantTtl,
                        // Decisions made before approvals could lapse state no window: they stand for the default one.
                        node.has("approval_ttl") ? DurationText.parse(node.get("approval_ttl").stringValue()) : null,
                        !node.has("break_glass") || node.get("break_glass").booleanValue(), nudges(node.get("nudges")));
            }
            default -> throw new IllegalStateException("stored decision has unknown effect " + node.get("effect"));
        };
    }

    private static Nudges nudges(JsonNode node) {
        if (node == null) {
            return null;
        }
        return new Nudges(node.has("remind_after") ? DurationText.parse(node.get("remind_after").stringValue()) : null,
                node.has("escalate_after") ? DurationText.parse(node.get("escalate_after").stringValue()) : null,
                strings(node.get("escalate_to")), node.path("notify_requester").asBoolean(false), node.path("reminded").asInt(0),
                node.path("escalated").asInt(0));
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    private static List<String> strings(JsonNode array) {
        List<String> result = new ArrayList<>();
        if (array != null) {
            array.values().forEach(v -> result.add(v.stringValue()));
        }
        return result;
    }
}
