package io.countersign.mcp;

import io.countersign.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Stands between the agent's stdio and the MCP SDK's stdio transport, which stops reading for good at
 * the first line it cannot parse. Each line from the agent is checked first: JSON-RPC 2.0 goes on to
 * the SDK; anything else is answered here ({@code -32700} parse error, {@code -32600} invalid request)
 * and dropped, so one bad line never ends the session. The check runs on the SDK's own reading thread,
 * as it reads (no pipe, no thread of its own). Both writers share one lock and write whole lines, so
 * answers never interleave.
 */
public final class StdioGuard {
    private static final System.Logger LOG = System.getLogger(StdioGuard.class.getName());
    /** Longer lines are refused: 16 MiB is far past any tool call Countersign would accept anyway. */
    static final int MAX_LINE = 16 * 1024 * 1024;

    private final Object lock = new Object();
    private final Reader agent;
    private final OutputStream out;
    private final Runnable onEnd;

    /** @param onEnd runs once the agent has closed its end (or reading it failed) */
    public StdioGuard(InputStream agent, OutputStream out, Runnable onEnd) {
        this.agent = new InputStreamReader(agent, StandardCharsets.UTF_8);
        this.out = out;
        this.onEnd = onEnd;
    }

    /** What the SDK reads: only well-formed JSON-RPC lines, each read from the agent when the SDK asks for more. */
    public InputStream sdkInput() {
        return new InputStream() {
            private byte[] line = new byte[0];
            private int next;
            private boolean ended;

            @Override
            public synchronized int read() throws IOException {
                return fill() ? line[next++] & 0xff : -1;
            }

            @Override
            public synchronized int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                if (!fill()) {
                    return -1;
                }
                int n = Math.min(len, line.length - next);
                System.arraycopy(line, next, b, off, n);
                next += n;
                return n;
            }

            private boolean fill() throws IOException {
                while (next == line.length) {
                    if (ended) {
                        return false;
                    }
                    byte[] passed = nextPassedLine();
                    if (passed == null) {
                        ended = true;
                        onEnd.run();
                        return false;
                    }
                    line = passed;
                    next = 0;
                }
                return true;
            }

            @Override
            public void close() throws IOException {
                agent.close();
            }
        };
    }

    /** Where the SDK writes: whole lines, under the shared lock. */
    public OutputStream sdkOutput() {
        return new OutputStream() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream();

            @Override
            public synchronized void write(int b) throws IOException {
                line.write(b);
                if (b == '\n') {
                    emit();
                }
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) throws IOException {
                int end = off + len;
                for (int newline; off < end; off = newline + 1) {
                    newline = off;
                    while (newline < end && b[newline] != '\n') {
                        newline++;
                    }
                    if (newline == end) {
                        line.write(b, off, end - off);
                        return;
                    }
                    line.write(b, off, newline + 1 - off);
                    emit();
                }
            }

            @Override
            public synchronized void flush() {
            }

            private void emit() throws IOException {
                synchronized (lock) {
                    line.writeTo(out);
                    out.flush();
                }
                line.reset();
            }
        };
    }

    /** The next line from the agent that passes, as the SDK should read it; null at the end of the agent's input. */
    private byte[] nextPassedLine() {
        try {
            StringBuilder line = new StringBuilder();
            boolean tooLong = false;
            for (int c; (c = agent.read()) != -1; ) {
                if (c == '\n') {
                    byte[] passed = tooLong ? tooLong() : pass(line.toString());
                    if (passed != null) {
                        return passed;
                    }
                    line.setLength(0);
                    tooLong = false;
                } else if (!tooLong) {
                    line.append((char) c);
                    if (line.length() > MAX_LINE) {
                        tooLong = true;
                        line.setLength(0);
                    }
                }
            }
            return line.isEmpty() || tooLong ? null : pass(line.toString());
        } catch (IOException e) {
            LOG.log(Level.WARNING, "reading the agent's stdin failed: " + e.getMessage());
            return null;
        }
    }

    private byte[] tooLong() throws IOException {
        reply(null, -32600, "Invalid Request: the message is longer than " + MAX_LINE + " characters");
        return null;
    }

    /** The line to hand on, or null when it was answered here (or blank). */
    private byte[] pass(String line) throws IOException {
        String text = line.strip();
        if (text.isEmpty()) {
            return null;
        }
        JsonNode message;
        try {
            message = Json.parse(text);
        } catch (RuntimeException e) {
            reply(null, -32700, "Parse error: the line is not JSON");
            return null;
        }
        if (!message.isObject()) {
            reply(null, -32600, "Invalid Request: expected one JSON-RPC 2.0 object per line (batches are not part of MCP)");
            return null;
        }
        JsonNode id = message.get("id");
        boolean request = message.path("method").isString();
        boolean response = (message.has("result") || message.has("error")) && id != null;
        if (!"2.0".equals(message.path("jsonrpc").asString("")) || !(request || response)
                || id != null && !(id.isString() || id.isIntegralNumber())) {
            reply(id != null && (id.isString() || id.isIntegralNumber()) ? id : null, -32600,
                    "Invalid Request: a JSON-RPC 2.0 message needs \"jsonrpc\": \"2.0\" and a method (or a result or error with an id)");
            return null;
        }
        return (text + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private void reply(JsonNode id, int code, String message) throws IOException {
        ObjectNode error = Json.object();
        error.put("jsonrpc", "2.0");
        error.set("id", id == null ? Json.MAPPER.nullNode() : id);
        ObjectNode body = error.putObject("error");
        body.put("code", code);
        body.put("message", message);
        synchronized (lock) {
            out.write((Json.text(error) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }
}
