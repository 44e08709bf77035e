package io.countersign.api;

import io.countersign.json.Json;
import io.countersign.model.InvalidInputException;
import io.helidon.webserver.http.ServerRequest;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Reads request bodies within a size limit. */
public final class RequestBodies {
    private RequestBodies() {
    }

    /**
     * Refuses more than {@code maxBytes} even when no Content-Length was sent, so one client cannot make
     * the server buffer an unbounded body.
     */
    static JsonNode json(ServerRequest request, long maxBytes) {
        return Json.parse(raw(request, maxBytes));
    }

    /**
     * An {@code application/x-www-form-urlencoded} body (HTML forms, Slack's interactivity payloads) as
     * names and values; the last value of a repeated name wins.
     */
    public static Map<String, String> form(byte[] body) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            values.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return values;
    }

    /**
     * How long a whole body may take to arrive; a client that stalls longer is answered 408 and cut off.
     * One value for the process ({@code http.body_timeout}), set when a node starts.
     */
    private static volatile Duration deadline = Duration.ofSeconds(20);
    private static final ExecutorService READERS = Executors.newVirtualThreadPerTaskExecutor();

    public static void deadline(Duration whole) {
        deadline = whole;
    }

    /** The body's bytes exactly as sent: what signatures over the raw body are checked against. */
    public static byte[] raw(ServerRequest request, long maxBytes) {
        InputStream in = request.content().inputStream();
        // A body of announced length is read into an array of that size; reading "up to the limit" went
        // through 16 KiB buffers for bodies of a few hundred bytes (a sixth of what a node allocated).
        long announced = request.headers().contentLength().orElse(-1);
        int atMost = announced >= 0 && announced <= maxBytes ? (int) announced : (int) maxBytes + 1;
        // Read on a thread of its own, so that a client sending its body a byte at a time (slowloris)
        // meets a deadline for the whole body, not one per read.
        Future<byte[]> reading = READERS.submit(() -> {
            // Closing the stream reads past what is left, so the answer (413 too) goes out on a sound connection.
            try (InputStream body = in) {
                return body.readNBytes(atMost);
            }
        });
        byte[] bytes;
        try {
            bytes = reading.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new BodyTimeoutException(reading, "the request body did not arrive within " + deadline.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw new InvalidInputException("malformed_body", null, "the request body could not be read");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvalidInputException("malformed_body", null, "the request body could not be read");
        }
        if (bytes.length > maxBytes) {
            throw new ApiException(io.helidon.http.Status.REQUEST_ENTITY_TOO_LARGE_413, "body_too_large", null,
                    "the request body is larger than " + maxBytes + " bytes");
        }
        return bytes;
    }

    /** A body that did not arrive in time: answered 408, and the connection is closed. */
    public static final class BodyTimeoutException extends RuntimeException {
        private final transient Future<byte[]> reading;

        BodyTimeoutException(Future<byte[]> reading, String message) {
            super(message);
            this.reading = reading;
        }

        /**
         * Stops waiting for the rest: interrupting the reader closes the connection under it. Called once
         * the 408 is written, since the server would otherwise try to read the rest of the body first.
         */
        public void abandon() {
            reading.cancel(true);
        }
    }
}
