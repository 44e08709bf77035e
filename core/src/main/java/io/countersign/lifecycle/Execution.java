package io.countersign.lifecycle;

import java.time.Instant;

/**
 * How an allowed or approved action was run: which grant was used, by whom and when, and (once
 * reported) whether it succeeded. An action is executed at most once.
 *
 * @param outcome null until the outcome is reported
 */
public record Execution(String grantId, String by, Instant at, Outcome outcome, String detail) {

    /** What the caller reports after running the action. */
    public enum Outcome {
        SUCCEEDED, FAILED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    Execution withOutcome(Outcome reported, String reportedDetail) {
        return new Execution(grantId, by, at, reported, reportedDetail);
    }
}
