package io.countersign.api;

import io.countersign.audit.AuditLog;
import io.countersign.audit.Rfc6962;
import io.countersign.audit.TilePath;
import io.countersign.json.Json;
import io.countersign.model.InvalidInputException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /v1/audit}: the verifiable log, for humans (auditors, security engineers). The checkpoint and
 * tiles follow C2SP tlog-tiles with {@code /v1/audit} as the prefix, so standard tile clients read it
 * as they read any other tlog; single entries and proofs are plain JSON.
 */
public final class AuditRoutes implements HttpService {
    private final AuditLog log;
    private final Authenticator authenticator;

    public AuditRoutes(AuditLog log, Authenticator authenticator) {
        this.log = log;
        this.authenticator = authenticator;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/checkpoint", this::checkpoint)
                .get("/tile/{+path}", this::tile)
                .get("/entries/{index}", this::entry)
                .get("/proof/inclusion", this::inclusion)
                .get("/proof/consistency", this::consistency);
    }

    private void checkpoint(ServerRequest request, ServerResponse response) {
        authenticator.requireHuman(authenticator.authenticate(request));
        response.header(HeaderNames.CACHE_CONTROL, "no-cache");
        sendText(response, log.checkpoint().note());
    }

    private void tile(ServerRequest request, ServerResponse response) {
        authenticator.requireHuman(authenticator.authenticate(request));
        TilePath tile;
        try {
            tile = TilePath.parse(request.path().pathParameters().get("path"));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new InvalidInputException("path", e.getMessage());
        }
        var data = log.tile(tile);
        if (data.isEmpty()) {
            JsonResponses.sendError(response, Status.NOT_FOUND_404, "not_found", "path",
                    tile.path() + " is beyond the log's current size " + log.size());
            return;
        }
        // Tiles never change once they exist.
        response.header(HeaderNames.CACHE_CONTROL, "public, max-age=31536000, immutable");
        response.header(HeaderNames.CONTENT_TYPE, "application/octet-stream");
        response.send(data.get());
    }

    private void entry(ServerRequest request, ServerResponse response) {
        authenticator.requireHuman(authenticator.authenticate(request));
        long index = number("index", request.path().pathParameters().get("index"));
        var entry = log.entry(index);
        if (entry.isEmpty()) {
            JsonResponses.sendError(response, Status.NOT_FOUND_404, "not_found", "index",
                    "no entry " + index + "; the log holds " + log.size());
            return;
        }
        ObjectNode body = Json.object();
        body.put("index", index);
        body.put("leaf_hash", Rfc6962.base64(entry.get().leafHash()));
        body.set("entry", Json.parse(new String(entry.get().bytes(), StandardCharsets.UTF_8)));
        JsonResponses.send(response, Status.OK_200, body);
    }

    private void inclusion(ServerRequest request, ServerResponse response) {
        authenticator.requireHuman(authenticator.authenticate(request));
        long index = number("index", required(request, "index"));
        long size = request.query().first("size").map(v -> number("size", v)).orElse(log.checkpoint().size());
        sendProof(response, "index", index, "size", size, log.inclusionProof(index, size));
    }

    private void consistency(ServerRequest request, ServerResponse response) {
        authenticator.requireHuman(authenticator.authenticate(request));
        long from = number("from", required(request, "from"));
        long to = request.query().first("to").map(v -> number("to", v)).orElse(log.checkpoint().size());
        sendProof(response, "from", from, "to", to, log.consistencyProof(from, to));
    }

    private static void sendProof(ServerResponse response, String first, long a, String second, long b, List<byte[]> proof) {
        ObjectNode body = Json.object();
        body.put(first, a);
        body.put(second, b);
        ArrayNode hashes = body.putArray("hashes");
        proof.forEach(hash -> hashes.add(Rfc6962.base64(hash)));
        JsonResponses.send(response, Status.OK_200, body);
    }

    private static String required(ServerRequest request, String name) {
        return request.query().first(name)
                .orElseThrow(() -> new InvalidInputException(name, "'" + name + "' is required"));
    }

    static long number(String field, String value) {
        if (value == null || !value.matches("0|[1-9][0-9]{0,17}")) {
            throw new InvalidInputException(field, "'" + field + "' must be a whole number ≥ 0");
        }
        return Long.parseLong(value);
    }

    static void sendText(ServerResponse response, String text) {
        response.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.send(text.getBytes(StandardCharsets.UTF_8));
    }
}
