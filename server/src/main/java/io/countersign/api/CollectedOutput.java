package io.countersign.api;

import io.countersign.connectors.ExecConnector;
import io.countersign.connectors.OutputSink;
import io.countersign.connectors.ProxyExecution;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/** A command's output gathered for one JSON answer (already capped and redacted by the connector). */
final class CollectedOutput implements OutputSink {
    private final Map<String, StringBuilder> streams = new HashMap<>();

    @Override
    public synchronized void output(String stream, String text) {
        streams.computeIfAbsent(stream, s -> new StringBuilder()).append(text);
    }

    /** The result of {@code ran} as the caller sees it: the connector's result, its outcome and, for a command, its output. */
    synchronized ObjectNode into(ProxyExecution.Ran ran) {
        ObjectNode result = ran.result().result().deepCopy();
        result.put("outcome", ran.result().outcome().wireName());
        if (ran.connector() instanceof ExecConnector) {
            result.put("stdout", streams.getOrDefault("stdout", new StringBuilder()).toString());
            result.put("stderr", streams.getOrDefault("stderr", new StringBuilder()).toString());
        }
        return result;
    }
}
