package io.countersign.cli;

import io.countersign.json.Json;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;

/** Talks to the Countersign HTTP API for the CLI and the MCP gateway. */
public final class ApiClient {
    /** One HTTP answer: status and parsed JSON body. */
    public record Answer(int status, JsonNode body) {
        public boolean ok() {
            return status / 100 == 2;
        }

        public String errorMessage() {
            JsonNode error = body.path("error");
            String field = error.path("field").asString("");
            String rule = error.path("rule").asString("");
            return error.path("message").asString("HTTP " + status) + (field.isEmpty() ? "" : " (field: " + field + ")")
                    + (rule.isEmpty() ? "" : " (rule: " + rule + ")");
        }
    }

    /** The server could not be reached or did not answer in JSON. */
    public static final class Unreachable extends RuntimeException {
        Unreachable(String message) {
            super(message);
        }
    }

    /** An answer whose body is not JSON (signed notes, tiles, proofs); errors still come as JSON. */
    record RawAnswer(int status, byte[] body) {
        boolean ok() {
            return status / 100 == 2;
        }

        String errorMessage() {
            try {
                return new Answer(status, Json.parse(body)).errorMessage();
            } catch (RuntimeException e) {
                return "HTTP " + status;
            }
        }
    }

    /** Answers up to this size are read at their announced length; larger ones as a stream to their end. */
    private static final long MAX_SIZED_READ = 1 << 20;

    /**
     * Helidon's blocking HTTP/1.1 client: the exchange runs on the calling thread over a kept-alive connection
     * of {@link KeptConnections}. The JDK's HttpClient hands every exchange to its selector thread and back, which on a busy
     * machine costs about a millisecond a call, most of what the MCP gateway adds to an allowed tools/call.
     */
    private final Http1Client http;
    private final KeptConnections connections;
    private final URI server;
    private final String token;

    public ApiClient(String server, String token) {
        this.server = URI.create(server.endsWith("/") ? server : server + "/");
        this.token = token;
        WebClient web = WebClient.builder()
                .connectTimeout(Duration.ofSeconds(5))
                .shareConnectionCache(false)
                .build();
        this.http = web.client(Http1Client.PROTOCOL);
        this.connections = new KeptConnections(web, this.server);
    }

    public Answer get(String path, Duration timeout) {
        return send(() -> request(Method.GET, path, timeout), null);
    }

    public Answer post(String path, JsonNode body) {
        return send(() -> request(Method.POST, path, Duration.ofSeconds(30)).contentType(MediaTypes.APPLICATION_JSON), Json.bytes(body));
    }

    RawAnswer getRaw(String path, Duration timeout) {
        try (Http1ClientResponse response = exchange(() -> request(Method.GET, path, timeout), null)) {
            return new RawAnswer(response.status().code(), read(response));
        }
    }

    /**
     * POSTs and reads an NDJSON answer line by line as it arrives, handing each event to {@code events};
     * an error answer (not NDJSON) comes back as an {@link Answer} instead.
     *
     * @return null when the stream was read to its end
     */
    Answer postStreaming(String path, JsonNode body, Duration timeout, java.util.function.Consumer<JsonNode> events) {
        Supplier<Http1ClientRequest> request = () -> request(Method.POST, path, timeout)
                .contentType(MediaTypes.APPLICATION_JSON)
                .header(HeaderNames.ACCEPT, "application/x-ndjson");
        try (Http1ClientResponse response = exchange(request, Json.bytes(body))) {
            if (response.status().code() != 200) {
                return new Answer(response.status().code(), Json.parse(read(response)));
            }
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.inputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (!line.isBlank()) {
                        events.accept(Json.parse(line));
                    }
                }
                return null;
            }
        } catch (IOException | UncheckedIOException e) {
            throw unreachable(e);
        }
    }

    private Http1ClientRequest request(Method method, String path, Duration timeout) {
        Http1ClientRequest request = http.method(method).uri(server.resolve(path)).readTimeout(timeout);
        if (token != null && !token.isBlank()) {
            request.header(HeaderNames.AUTHORIZATION, "Bearer " + token);
        }
        return request;
    }

    private Answer send(Supplier<Http1ClientRequest> request, byte[] body) {
        try (Http1ClientResponse response = exchange(request, body)) {
            int status = response.status().code();
            byte[] answered = read(response);
            JsonNode parsed;
            try {
                parsed = Json.parse(answered);
            } catch (RuntimeException e) {
                throw new Unreachable(server + " answered HTTP " + status + " without a JSON body; is it a Countersign server?");
            }
            return new Answer(status, parsed);
        }
    }

    /**
     * One exchange on a kept connection. One the server closed while it was idle (it restarted, say) fails
     * before any answer; the request is then sent once more on a fresh connection. A request that timed
     * out is not: the server may be at work on it.
     */
    private Http1ClientResponse exchange(Supplier<Http1ClientRequest> request, byte[] body) {
        KeptConnections.Lease lease = failingAsUnreachable(connections::take);
        try {
            return exchange(request.get(), lease, body);
        } catch (UncheckedIOException | IllegalStateException | DataReader.InsufficientDataAvailableException e) {
            if (!lease.reused() || causedBy(e, SocketTimeoutException.class)) {
                throw unreachable(e);
            }
        }
        return failingAsUnreachable(() -> exchange(request.get(), connections.fresh(), body));
    }

    /** What the network does to {@code step} (no server, a cut connection) becomes {@link Unreachable}. */
    private <T> T failingAsUnreachable(Supplier<T> step) {
        try {
            return step.get();
        } catch (UncheckedIOException | IllegalStateException | DataReader.InsufficientDataAvailableException e) {
            throw unreachable(e);
        }
    }

    private static Http1ClientResponse exchange(Http1ClientRequest request, KeptConnections.Lease lease, byte[] body) {
        request.connection(lease.connection());
        try {
            return body == null ? request.request() : request.submit(body);
        } catch (RuntimeException e) {
            lease.connection().closeResource();
            throw e;
        }
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> kind) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (kind.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The body, read in one piece when its length is known: reading it "to the end" went through two
     * 16 KiB buffers per answer of a few KiB, most of what the MCP gateway allocated per call.
     */
    private byte[] read(Http1ClientResponse response) {
        try {
            if (!response.entity().hasEntity()) {
                return new byte[0];
            }
            OptionalLong length = response.headers().contentLength();
            if (length.isEmpty() || length.getAsLong() > MAX_SIZED_READ) {
                return response.entity().as(byte[].class);
            }
            try (InputStream body = response.entity().inputStream()) {
                byte[] bytes = body.readNBytes((int) length.getAsLong());
                if (bytes.length != length.getAsLong()) {
                    throw new IOException("the answer ended after " + bytes.length + " of " + length.getAsLong() + " bytes");
                }
                return bytes;
            }
        } catch (IOException | UncheckedIOException | IllegalStateException | DataReader.InsufficientDataAvailableException e) {
            throw unreachable(e);
        }
    }

    private Unreachable unreachable(Exception e) {
        if (causedBy(e, ConnectException.class)) {
            return new Unreachable("cannot connect to " + server + " (is `countersign serve` running? set --server or COUNTERSIGN_SERVER)");
        }
        if (causedBy(e, SocketTimeoutException.class)) {
            return new Unreachable("request to " + server + " timed out");
        }
        return new Unreachable("request to " + server + " failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }
}
