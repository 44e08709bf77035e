package io.countersign.connectors;

/** Where a connector's output goes while it runs: collected for one JSON answer, or streamed to the client. */
public interface OutputSink {
    /** The grant was used and the connector is about to run; refusals come before this, never after. */
    default void started(Connector connector, io.countersign.lifecycle.ActionRecord record) {
    }

    /**
     * @param stream {@code stdout} or {@code stderr}
     * @param text   already capped and with secrets redacted
     */
    void output(String stream, String text);

    OutputSink DISCARD = (stream, text) -> {
    };
}
