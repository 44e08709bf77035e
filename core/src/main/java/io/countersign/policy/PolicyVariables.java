package io.countersign.policy;

import dev.cel.common.values.NullValue;
import io.countersign.model.ActionRequest;
import io.countersign.model.Principal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Builds the CEL variables of one request once, so that every rule evaluates against the same values. */
final class PolicyVariables {
    private PolicyVariables() {
    }

    static Map<String, Object> of(PolicyInput input) {
        ActionRequest request = input.request();
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("principal", principal(input.principal()));
        variables.put("action", request.action());
        Map<String, Object> resource = new LinkedHashMap<>();
        resource.put("type", request.resource().type());
        resource.put("id", request.resource().id());
        if (request.resource().env() != null) {
            resource.put("env", request.resource().env());
        }
        resource.put("labels", request.resource().labels());
        resource.put("known", input.resource().known());
        if (input.resource().team() != null) {
            resource.put("team", input.resource().team());
        }
        variables.put("resource", resource);
        Map<String, Object> intent = new LinkedHashMap<>();
        intent.put("summary", request.intent().summary());
        if (request.intent().reason() != null) {
            intent.put("reason", request.intent().reason());
        }
        if (request.intent().ticket() != null) {
            intent.put("ticket", request.intent().ticket());
        }
        variables.put("intent", intent);
        variables.put("payload", value(request.payload()));
        variables.put("context", value(request.context()));
        variables.put("now", input.now());
        variables.put("request", Map.of("time", input.now()));
        return variables;
    }

    private static Map<String, Object> principal(Principal principal) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("id", principal.id());
        map.put("kind", principal.kind().wireName());
        map.put("name", principal.name());
        if (principal.email() != null) {
            map.put("email", principal.email());
        }
        map.put("groups", List.copyOf(principal.groups()));
        if (principal.owner() != null) {
            map.put("owner", principal.owner());
        }
        return map;
    }

    /** JSON to CEL values: integers that fit become int, other numbers double. */
    static Object value(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                map.put(field.getKey(), value(field.getValue()));
            }
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            for (JsonNode item : node.values()) {
                list.add(value(item));
            }
            return list;
        }
        if (node.isString()) return node.stringValue();
        if (node.isBoolean()) return node.booleanValue();
        if (node.isIntegralNumber() && node.canConvertToLong()) return node.longValue();
        if (node.isNumber()) return node.doubleValue();
        return NullValue.NULL_VALUE;
    }
}
