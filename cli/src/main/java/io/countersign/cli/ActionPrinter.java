package io.countersign.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** Human-readable rendering of the API's action JSON. */
final class ActionPrinter {
    private ActionPrinter() {
    }

    static void print(PrintWriter out, JsonNode action) {
        JsonNode resource = action.path("resource");
        out.printf("%s  %s  %s on %s %s%s%n", action.path("id").asString(), action.path("status").asString().toUpperCase(),
                action.path("action").asString(), resource.path("type").asString(), resource.path("id").asString(),
                resource.has("env") ? " (" + resource.path("env").asString() + ")" : "");
        out.printf("  requester: %s (%s)%s%n", action.path("requester").path("id").asString(),
                action.path("requester").path("kind").asString(),
                action.path("requester").has("on_behalf_of") ? " on behalf of " + action.path("requester").path("on_behalf_of").asString() : "");
        out.printf("  intent (stated by requester): %s%n", action.path("intent").path("summary").asString());
        JsonNode decision = action.path("decision");
        out.printf("  decision: %s%s (policy %s)%n", decision.path("effect").asString(),
                decision.path("rules").isEmpty() ? " by default" : " by " + join(decision.path("rules")),
                shortHash(decision.path("policy_version").asString()));
        if (decision.has("reason")) {
            out.printf("  reason: %s%n", decision.path("reason").asString());
        }
        JsonNode quorum = action.path("quorum");
        if (!quorum.isMissingNode()) {
            for (JsonNode requirement : quorum.path("requirements").values()) {
                out.printf("  quorum: %d/%d approvals from %s (rule %s)%n", requirement.path("approvals").asInt(),
                        requirement.path("min").asInt(), requirement.path("from").isEmpty() ? "any human" : join(requirement.path("from")),
                        requirement.path("rule").asString());
            }
            if ("required".equals(quorum.path("justification").asString())) {
                out.println("  justification: required with every review");
            }
        }
        for (JsonNode review : action.path("reviews").values()) {
            out.printf("  review: %s %s%s%n", review.path("reviewer").asString(), review.path("decision").asString(),
                    review.has("comment") ? " — " + review.path("comment").asString() : "");
        }
        JsonNode glass = action.path("break_glass");
        if (!glass.isMissingNode()) {
            out.printf("  BREAK-GLASS by %s at %s: %s%n", glass.path("by").asString(), glass.path("at").asString(),
                    glass.path("justification").asString());
            JsonNode review = glass.path("review");
            out.printf("  break-glass review: %s%s%n", review.path("status").asString(), review.has("by")
                    ? " by " + review.path("by").asString() + (review.has("comment") ? " — " + review.path("comment").asString() : "") : "");
        }
        if (action.has("approval_expires_at")) {
            Instant lapses = Instant.parse(action.path("approval_expires_at").asString());
            out.printf("  approval stands until: %s (%s left; not run by then, it expires)%n", lapses, remaining(Duration.between(Instant.now(), lapses)));
        }
        if (action.has("expires_at") && "pending".equals(action.path("status").asString())) {
            Instant expires = Instant.parse(action.path("expires_at").asString());
            out.printf("  expires: %s (%s left)%n", expires, remaining(Duration.between(Instant.now(), expires)));
        }
        out.printf("  digest: %s%n", action.path("digest").asString());
    }

    static String remaining(Duration left) {
        if (left.isNegative()) {
            return "0s";
        }
        long seconds = left.toSeconds();
        return seconds >= 3600 ? String.format("%dh%02dm", seconds / 3600, seconds % 3600 / 60)
                : String.format("%dm%02ds", seconds / 60, seconds % 60);
    }

    private static String join(JsonNode array) {
        StringBuilder text = new StringBuilder();
        for (JsonNode item : array.values()) {
            text.append(text.isEmpty() ? "" : ", ").append(item.asString());
        }
        return text.toString();
    }

    private static String shortHash(String version) {
        return version.length() > 19 ? version.substring(0, 19) + "…" : version;
    }
}
