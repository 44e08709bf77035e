package io.countersign.cli;

import io.countersign.audit.LogProblem;
import io.countersign.audit.Rfc6962;
import io.countersign.json.CanonicalJson;
import io.countersign.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;

/**
 * A JSON Lines export: one {@code {"index", "leaf_hash", "entry"}} record per line. The entry's bytes
 * in the log are its RFC 8785 canonical form, so they are re-derived from the parsed object.
 */
final class ExportFile implements LogSource {
    private final Path file;

    ExportFile(Path file) {
        this.file = file;
    }

    static String record(long index, byte[] entry) {
        return "{\"index\":" + index + ",\"leaf_hash\":\"" + Rfc6962.base64(Rfc6962.leafHash(entry)) + "\",\"entry\":"
                + new String(entry, StandardCharsets.UTF_8) + "}";
    }

    @Override
    public void entries(long size, Visitor visitor) throws LogProblem {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode record;
                try {
                    record = Json.parse(line);
                } catch (RuntimeException e) {
                    throw new LogProblem(-1, file + " line " + lineNumber + ": not a JSON record");
                }
                JsonNode index = record.get("index");
                JsonNode entry = record.get("entry");
                if (index == null || !index.canConvertToLong() || entry == null || !entry.isObject()) {
                    throw new LogProblem(-1, file + " line " + lineNumber + ": a record needs 'index' and an 'entry' object");
                }
                if (index.longValue() >= size) {
                    return;
                }
                byte[] claimed = null;
                if (record.hasNonNull("leaf_hash")) {
                    try {
                        claimed = Rfc6962.fromBase64(record.get("leaf_hash").asString());
                    } catch (IllegalArgumentException e) {
                        throw new LogProblem(index.longValue(), file + " line " + lineNumber + ": leaf_hash: " + e.getMessage());
                    }
                }
                visitor.visit(index.longValue(), CanonicalJson.encode(entry), claimed);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
