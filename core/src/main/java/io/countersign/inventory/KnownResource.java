package io.countersign.inventory;

import java.util.Map;

/**
 * One entry of the resource inventory: what the server knows, as fact, about the resources of one type
 * whose ids match a pattern. Kept by operators beside policy ({@code resources.yaml}).
 *
 * @param idPattern the id, where {@code *} stands for any run of characters ({@code prod/*})
 * @param env       the environment these resources are in
 * @param labels    labels that are facts about them ({@code data_class: pii}); a request may not say otherwise
 * @param team      the team that owns them, or null
 * @param line      where the entry starts in {@code file}
 */
public record KnownResource(String type, String idPattern, String env, Map<String, String> labels, String team,
                            String file, int line) {
    public KnownResource {
        labels = Map.copyOf(labels);
    }

    /** Whether this entry describes the resource {@code type}/{@code id}. */
    public boolean matches(String type, String id) {
        return this.type.equals(type) && glob(idPattern, id);
    }

    /** Where it is written, for messages: {@code resources.yaml:12}. */
    public String where() {
        return file + ":" + line;
    }

    /** {@code *} matches any run of characters, everything else itself; linear, with one point to return to. */
    static boolean glob(String pattern, String text) {
        int p = 0;
        int t = 0;
        int star = -1;
        int resume = 0;
        while (t < text.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                resume = t;
            } else if (p < pattern.length() && pattern.charAt(p) == text.charAt(t)) {
                p++;
                t++;
            } else if (star >= 0) {
                p = star + 1;
                t = ++resume;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
