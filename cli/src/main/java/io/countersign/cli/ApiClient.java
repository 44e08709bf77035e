package io.countersign.cli;

import io.countersign.json.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI server;
    private final String token;

    public ApiClient(String server, String token) {
        this.server = URI.create(server.endsWith("/") ? server : server + "/");
        this.token = token;
    }

    public Answer get(String path, Duration timeout) {
        return send(HttpRequest.newBuilder(server.resolve(path)).GET(), timeout);
    }

    public Answer post(String path, JsonNode body) {
        return send(HttpRequest.newBuilder(server.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))), Duration.ofSeconds(30));
    }

    RawAnswer getRaw(String path, Duration timeout) {
        HttpResponse<byte[]> response = exchange(HttpRequest.newBuilder(server.resolve(path)).GET(), timeout);
        return new RawAnswer(response.statusCode(), response.body());
    }

    /**
     * POSTs and reads an NDJSON answer line by line as it arrives, handing each event to {@code events};
     * an error answer (not NDJSON) comes back as an {@link Answer} instead.
     *
     * @return null when the stream was read to its end
     */
    Answer postStreaming(String path, JsonNode body, Duration timeout, java.util.function.Consumer<JsonNode> events) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.resolve(path))
                .header("Content-Type", "application/json")
                .header("Accept", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
        if (token != null && !token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<java.util.stream.Stream<String>> response = http.send(request.timeout(timeout).build(),
                    HttpResponse.BodyHandlers.ofLines());
            try (var lines = response.body()) {
                if (response.statusCode() != 200) {
                    return new Answer(response.statusCode(), Json.parse(String.join("\n", lines.toList())));
                }
                lines.filter(line -> !line.isBlank()).map(Json::parse).forEach(events);
                return null;
            }
        } catch (ConnectException e) {
            throw new Unreachable("cannot connect to " + server + " (is `countersign serve` running? set --server or COUNTERSIGN_SERVER)");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new Unreachable("request to " + server + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted");
        }
    }

    private Answer send(HttpRequest.Builder request, Duration timeout) {
        HttpResponse<byte[]> response = exchange(request, timeout);
        JsonNode body;
        try {
            body = Json.parse(response.body());
        } catch (RuntimeException e) {
            throw new Unreachable(server + " answered HTTP " + response.statusCode() + " without a JSON body; is it a Countersign server?");
        }
        return new Answer(response.statusCode(), body);
    }

    private HttpResponse<byte[]> exchange(HttpRequest.Builder request, Duration timeout) {
        if (token != null && !token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        request.timeout(timeout);
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new Unreachable("cannot connect to " + server + " (is `countersign serve` running? set --server or COUNTERSIGN_SERVER)");
        } catch (IOException e) {
            throw new Unreachable("request to " + server + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted");
        }
    }
}
