package io.countersign.client;

import io.countersign.json.Json;
import io.countersign.sdk.Countersign;
import io.countersign.sdk.CountersignException;
import java.time.Duration;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * The SDK's calls with their answers read as JSON trees: for the CLI and the MCP gateway, which print the
 * server's JSON or pass it on. Everything about the wire (paths, keys, errors, an unreachable server) is
 * the SDK's.
 */
public final class JsonApi {
    /** One answer: its status and its JSON body. */
    public record Answer(int status, JsonNode body) {
        public boolean ok() {
            return status / 100 == 2;
        }

        /** What an error answer says, with the field or rule at fault. */
        public String errorMessage() {
            return new Countersign.Answer(status, Json.bytes(body)).errorMessage();
        }
    }

    private final Countersign countersign;

    public JsonApi(Countersign countersign) {
        this.countersign = countersign;
    }

    /** A client of {@code server} over kept-alive connections. */
    public static JsonApi connect(String server, String token) {
        Countersign countersign = Countersign.connect(server, token, new KeptAliveTransport(
                java.net.URI.create(server.endsWith("/") ? server : server + "/")));
        return new JsonApi(countersign);
    }

    /** The SDK client underneath, for what it does whole (claiming, reporting outcomes). */
    public Countersign sdk() {
        return countersign;
    }

    /** @throws CountersignException {@code unreachable}, or {@code unexpected_answer} when the body is not JSON */
    public Answer get(String path, Duration timeout) {
        return json(countersign.send("GET", path, null, timeout));
    }

    /** @throws CountersignException {@code unreachable}, or {@code unexpected_answer} when the body is not JSON */
    public Answer post(String path, JsonNode body) {
        return json(countersign.send("POST", path, Json.bytes(body), Duration.ofSeconds(30)));
    }

    /** @throws CountersignException {@code unreachable}, or {@code unexpected_answer} when the body is not JSON */
    public Answer delete(String path) {
        return json(countersign.send("DELETE", path, null, Duration.ofSeconds(30)));
    }

    /** An answer as it came (signed notes, tiles, proofs); errors still come as JSON. */
    public Countersign.Answer getRaw(String path, Duration timeout) {
        return countersign.send("GET", path, null, timeout);
    }

    /**
     * POSTs and reads an NDJSON answer line by line as it arrives, handing each event to {@code events}.
     *
     * @return null when the stream was read to its end; an error answer (not NDJSON) as it came
     */
    public Answer postStreaming(String path, JsonNode body, Duration timeout, Consumer<JsonNode> events) {
        Countersign.Answer refused = countersign.stream(path, Json.bytes(body), timeout, line -> events.accept(Json.parse(line)));
        return refused == null ? null : json(refused);
    }

    private Answer json(Countersign.Answer answer) {
        try {
            return new Answer(answer.status(), Json.parse(answer.body()));
        } catch (RuntimeException e) {
            throw new CountersignException(answer.status(), "unexpected_answer", null, countersign.server() + " answered HTTP "
                    + answer.status() + " without a JSON body; is it a Countersign server?");
        }
    }
}
