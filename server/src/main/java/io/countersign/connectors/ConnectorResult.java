package io.countersign.connectors;

import io.countersign.lifecycle.Execution;
import tools.jackson.databind.node.ObjectNode;

/**
 * How running an action went.
 *
 * @param summary one line for the audit log: no output, no secrets (e.g. {@code exit 0, 12 bytes of output})
 * @param result  what the caller gets back: exit code and output, HTTP status and body, rows...
 */
public record ConnectorResult(Execution.Outcome outcome, String summary, ObjectNode result) {

    /** A run that failed: {@code message} is both the summary and the result's {@code error}. */
    static ConnectorResult failed(ObjectNode result, String message, long startedNanos, boolean timedOut) {
        result.put("duration_ms", (System.nanoTime() - startedNanos) / 1_000_000);
        if (timedOut) {
            result.put("timed_out", true);
        }
        result.put("error", message);
        return new ConnectorResult(Execution.Outcome.FAILED, message, result);
    }
}
