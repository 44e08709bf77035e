package io.countersign.kubernetes;

import io.countersign.yaml.ConfigException;
import java.util.LinkedHashSet;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The {@code kubernetes:} section of countersign.yaml: the validating admission webhook.
 *
 * @param caller     the principal whose API key the API server presents (its AdmissionConfiguration kubeconfig);
 *                   no one else may ask the webhook
 * @param namespaces the namespaces whose changes are decided, empty for all; cluster-scoped objects (namespaces,
 *                   cluster roles) are always decided
 * @param humans     whether people's changes are decided by policy too, or pass through
 * @param unmapped   what happens to a change by a user the identities file does not know (a controller, say)
 */
public record KubernetesSettings(String caller, Set<String> namespaces, Humans humans, Unmapped unmapped) {
    private static final Set<String> KEYS = Set.of("caller", "namespaces", "humans", "unmapped");

    public enum Humans { PASS, POLICY }

    public enum Unmapped { ADMIT, REFUSE }

    /** Null when the section is absent: the webhook answers 404. */
    public static KubernetesSettings read(JsonNode node, String where) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new ConfigException(where + " must be a mapping of caller, namespaces, humans, unmapped");
        }
        for (String key : node.propertyNames()) {
            if (!KEYS.contains(key)) {
                throw new ConfigException(where + ": unknown key '" + key + "' (expected caller, humans, namespaces, unmapped)");
            }
        }
        String caller = node.path("caller").asString("");
        if (caller.isBlank()) {
            throw new ConfigException(where + ".caller: name the principal (kind: service) whose API key the API server presents");
        }
        Set<String> namespaces = new LinkedHashSet<>();
        for (JsonNode namespace : node.path("namespaces").values()) {
            namespaces.add(namespace.asString(""));
        }
        Humans humans = switch (node.path("humans").asString("pass")) {
            case "pass" -> Humans.PASS;
            case "policy" -> Humans.POLICY;
            default -> throw new ConfigException(where + ".humans must be pass (people's changes are admitted) or policy");
        };
        Unmapped unmapped = switch (node.path("unmapped").asString("admit")) {
            case "admit" -> Unmapped.ADMIT;
            case "refuse" -> Unmapped.REFUSE;
            default -> throw new ConfigException(where + ".unmapped must be admit or refuse");
        };
        return new KubernetesSettings(caller, Set.copyOf(namespaces), humans, unmapped);
    }

    boolean governs(String namespace) {
        return namespace == null || namespaces.isEmpty() || namespaces.contains(namespace);
    }
}
