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
}
