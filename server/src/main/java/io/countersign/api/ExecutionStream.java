package io.countersign.api;

import io.countersign.connectors.Connector;
import io.countersign.connectors.ConnectorResult;
import io.countersign.connectors.OutputSink;
import io.countersign.json.Json;
import io.countersign.lifecycle.ActionRecord;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.util.function.Supplier;
import tools.jackson.databind.node.ObjectNode;

/**
 * A proxy-mode run streamed as NDJSON: one {@code started} event once the grant is used, {@code output}
 * events as the command writes, and a {@code finished} event with the result and the action. Until
 * {@code started}, a refusal is an ordinary JSON error answer. A client that goes away does not stop
 * the run: it finishes and its outcome is recorded.
 */
final class ExecutionStream implements OutputSink {
    private static final System.Logger LOG = System.getLogger(ExecutionStream.class.getName());

    private final ServerResponse response;
    private final String contentType;
    private OutputStream out;
    private boolean gone;

    ExecutionStream(ServerResponse response, String contentType) {
        this.response = response;
        this.contentType = contentType;
    }

    @Override
    public synchronized void started(Connector connector, ActionRecord record) {
        response.status(io.helidon.http.Status.OK_200);
        response.header(HeaderNames.CONTENT_TYPE, contentType);
        response.header(HeaderNames.CACHE_CONTROL, "no-store");
        out = response.outputStream();
        ObjectNode event = Json.object();
        event.put("event", "started");
        event.put("action_id", record.id().value());
        event.put("connector", connector.name());
        event.put("type", connector.type());
        write(event);
    }

    @Override
    public synchronized void output(String stream, String text) {
        ObjectNode event = Json.object();
        event.put("event", "output");
        event.put("stream", stream);
        event.put("text", text);
        write(event);
    }

    ObjectNode finished(ObjectNode action, ConnectorResult result) {
        ObjectNode event = Json.object();
        event.put("event", "finished");
        event.put("outcome", result.outcome().wireName());
        event.set("result", result.result());
        event.set("action", action);
        return event;
    }

    /** Runs {@code run}, which returns the {@code finished} event, and ends the stream. */
    void finish(Supplier<ObjectNode> run) {
        ObjectNode last;
        try {
            last = run.get();
        } catch (RuntimeException e) {
            synchronized (this) {
                if (out == null) {
                    throw e; // nothing streamed yet: the usual error answer
                }
            }
            LOG.log(Level.ERROR, "a streamed execution failed after it started", e);
            last = JsonResponses.error("internal_error", null, "the run started but its outcome could not be recorded");
            last.put("event", "error");
        }
        synchronized (this) {
            write(last);
            try {
                out.close();
            } catch (IOException | UncheckedIOException e) {
                gone = true;
            }
        }
    }

    private void write(ObjectNode event) {
        if (gone) {
            return;
        }
        try {
            out.write(Json.bytes(event));
            out.write('\n');
            out.flush();
        } catch (IOException | UncheckedIOException e) {
            gone = true;
        }
    }
}
