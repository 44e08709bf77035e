package io.countersign.mcp;

import io.countersign.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import tools.jackson.databind.JsonNode;

/**
 * The stdio transport of MCP: one JSON-RPC message per line, UTF-8, lines ended by {@code \n} (which
 * never occurs inside a UTF-8 sequence, so lines are split as bytes and parsed as bytes, with no
 * character decoding in between). Both ends of the gateway speak it: to the agent and to command
 * upstreams.
 */
final class JsonLines {
    /** Longer lines are refused: 16 MiB is far past any tool call Countersign would accept anyway. */
    static final int MAX_LINE = 16 * 1024 * 1024;

    private JsonLines() {
    }

    /** What one read produced: a line's bytes, a line that was too long (skipped), or the end of input. */
    sealed interface Line {
        record Text(byte[] bytes) implements Line {
        }

        record TooLong() implements Line {
        }

        record End() implements Line {
        }
    }

    /** Reads lines; one thread at a time. Scans its own buffer for line ends, so a long line costs no per-byte calls. */
    static final class Reader {
        private final InputStream in;
        private final int max;
        private final byte[] chunk = new byte[65536];
        private int position;
        private int limit;
        private byte[] line = new byte[8192];

        Reader(InputStream in) {
            this(in, MAX_LINE);
        }

        Reader(InputStream in, int max) {
            this.in = in;
            this.max = max;
        }

        /** The next non-blank line (without its {@code \r\n} or {@code \n}), a too-long one, or the end. */
        Line next() throws IOException {
            while (true) {
                int length = 0;
                boolean tooLong = false;
                boolean ended = false;
                while (true) {
                    if (position == limit) {
                        limit = in.read(chunk);
                        position = 0;
                        if (limit <= 0) {
                            limit = 0;
                            ended = true;
                            break;
                        }
                    }
                    int newline = position;
                    while (newline < limit && chunk[newline] != '\n') {
                        newline++;
                    }
                    int take = newline - position;
                    if (!tooLong && length + take > max) {
                        tooLong = true;
                    }
                    if (!tooLong) {
                        if (length + take > line.length) {
                            line = Arrays.copyOf(line, Math.min(max, Math.max(line.length * 2, length + take)));
                        }
                        System.arraycopy(chunk, position, line, length, take);
                        length += take;
                    }
                    position = newline;
                    if (newline < limit) {
                        position++; // past the '\n'
                        break;
                    }
                }
                if (tooLong) {
                    return new Line.TooLong();
                }
                if (length > 0 && line[length - 1] == '\r') {
                    length--;
                }
                if (!blank(line, length)) {
                    return new Line.Text(Arrays.copyOf(line, length));
                }
                if (ended) {
                    return new Line.End();
                }
            }
        }

        private static boolean blank(byte[] bytes, int length) {
            for (int i = 0; i < length; i++) {
                byte c = bytes[i];
                if (c != ' ' && c != '\t' && c != '\r') {
                    return false;
                }
            }
            return true;
        }
    }

    /** Writes whole lines, one writer at a time, each flushed at once: answers never interleave. */
    static final class Writer {
        private final OutputStream out;

        Writer(OutputStream out) {
            this.out = out;
        }

        void send(JsonNode message) throws IOException {
            byte[] bytes = Json.bytes(message);
            synchronized (this) {
                out.write(bytes);
                out.write('\n');
                out.flush();
            }
        }

        void close() {
            synchronized (this) {
                try {
                    out.close();
                } catch (IOException e) {
                    // the peer is gone already
                }
            }
        }
    }
}
