package io.countersign.connectors;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The output of one run on its way to an {@link OutputSink}: secrets redacted, at most {@code cap} bytes
 * (UTF-8) passed on across all streams, the rest counted and dropped. Thread-safe: stdout and stderr
 * are pumped by two threads.
 */
final class CappedOutput {
    private final OutputSink sink;
    private final Redactor redactor;
    private final long cap;
    private final Map<String, StringBuilder> pending = new HashMap<>();
    private long passed;
    private long seen;
    private boolean truncated;
    private boolean finished;

    CappedOutput(OutputSink sink, Redactor redactor, long cap) {
        this.sink = sink;
        this.redactor = redactor;
        this.cap = cap;
    }

    synchronized void append(String stream, char[] chars, int length) {
        if (finished) {
            // A detached child still writing after the run ended: its output goes nowhere.
            return;
        }
        seen += length;
        StringBuilder buffer = pending.computeIfAbsent(stream, s -> new StringBuilder());
        buffer.append(chars, 0, length);
        String redacted = redactor.redact(buffer.toString());
        int ready = Math.max(0, redacted.length() - redactor.holdBack());
        buffer.setLength(0);
        buffer.append(redacted, ready, redacted.length());
        pass(stream, redacted.substring(0, ready));
    }

    /** Passes on what was held back; call once the streams are at their end. */
    synchronized void finish() {
        pending.forEach((stream, buffer) -> pass(stream, redactor.redact(buffer.toString())));
        pending.clear();
        finished = true;
    }

    private void pass(String stream, String text) {
        if (text.isEmpty() || truncated && passed >= cap) {
            truncated |= !text.isEmpty();
            return;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int length = bytes.length;
        if (passed + length > cap) {
            truncated = true;
            length = (int) (cap - passed);
            // Cut on a character boundary: drop continuation bytes of a split UTF-8 sequence.
            while (length > 0 && (bytes[length] & 0xC0) == 0x80) {
                length--;
            }
            text = new String(bytes, 0, length, StandardCharsets.UTF_8);
        }
        passed += length;
        if (!text.isEmpty()) {
            sink.output(stream, text);
        }
    }

    synchronized boolean truncated() {
        return truncated;
    }

    /** Bytes passed on to the sink. */
    synchronized long passed() {
        return passed;
    }

    /** Characters produced in all, kept or not. */
    synchronized long seen() {
        return seen;
    }
}
