package io.countersign.api;

import io.countersign.json.Json;
import io.countersign.model.InvalidInputException;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
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

    /** The body's bytes exactly as sent: what signatures over the raw body are checked against. */
    public static byte[] raw(ServerRequest request, long maxBytes) {
        try (InputStream in = request.content().inputStream()) {
            byte[] bytes = in.readNBytes((int) maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw new ApiException(io.helidon.http.Status.REQUEST_ENTITY_TOO_LARGE_413, "body_too_large", null,
                        "the request body is larger than " + maxBytes + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new InvalidInputException("malformed_body", null, "the request body could not be read");
        }
    }
}
