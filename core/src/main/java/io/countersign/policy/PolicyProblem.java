package io.countersign.policy;

/**
 * One thing wrong with a policy directory, located as precisely as it can be.
 *
 * @param line 1-based line in {@code file}, or 0 when the problem is not on one line
 * @param rule the rule's id, or null when the problem is outside a rule
 */
public record PolicyProblem(String file, int line, String rule, String message) {
    @Override
    public String toString() {
        if (file.isEmpty()) {
            return message;
        }
        return file + (line > 0 ? ":" + line : "") + ": " + (rule != null ? "rule '" + rule + "': " : "") + message;
    }
}
