package io.countersign.web;

import io.countersign.web.ConsoleViews.DiffLine;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The diff view of a change: a payload with {@code before} and {@code after} (a config change, a
 * policy edit, a grant of rights) is shown as the lines that go and the lines that come, by a
 * longest-common-subsequence over the pretty-printed JSON.
 */
public final class PayloadDiff {
    /** Past this many lines on a side the table would be too large to help; the payload is shown whole instead. */
    private static final int MAX_LINES = 2000;

    private PayloadDiff() {
    }

    /** Null when the payload is not a change. */
    public static List<DiffLine> of(JsonNode payload) {
        if (payload == null || !payload.isObject() || !payload.has("before") || !payload.has("after")) {
            return null;
        }
        List<String> before = JsonHighlight.lines(payload.get("before"));
        List<String> after = JsonHighlight.lines(payload.get("after"));
        if (before.size() > MAX_LINES || after.size() > MAX_LINES) {
            return null;
        }
        int[][] common = new int[before.size() + 1][after.size() + 1];
        for (int i = before.size() - 1; i >= 0; i--) {
            for (int j = after.size() - 1; j >= 0; j--) {
                common[i][j] = before.get(i).equals(after.get(j)) ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        List<DiffLine> lines = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < before.size() && j < after.size()) {
            if (before.get(i).equals(after.get(j))) {
                lines.add(new DiffLine(" ", before.get(i++)));
                j++;
            } else if (common[i + 1][j] >= common[i][j + 1]) {
                lines.add(new DiffLine("-", before.get(i++)));
            } else {
                lines.add(new DiffLine("+", after.get(j++)));
            }
        }
        while (i < before.size()) {
            lines.add(new DiffLine("-", before.get(i++)));
        }
        while (j < after.size()) {
            lines.add(new DiffLine("+", after.get(j++)));
        }
        return lines;
    }
}
