package io.countersign.connectors;

import java.util.List;

/**
 * The actions a connector serves: exact names ({@code db.query}) or prefixes ending in {@code *}
 * ({@code db.export.*}).
 */
public record ActionPatterns(List<String> patterns) {
    public ActionPatterns {
        patterns = List.copyOf(patterns);
    }

    public boolean matches(String action) {
        for (String pattern : patterns) {
            if (pattern.endsWith("*") ? action.startsWith(pattern.substring(0, pattern.length() - 1)) : action.equals(pattern)) {
                return true;
            }
        }
        return false;
    }
}
