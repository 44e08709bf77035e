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

    /**
     * A line exactly as {@link #record} writes it: the entry's bytes are taken as they stand, which is
     * both faster and stricter than re-deriving them (any change to them changes the leaf hash). Lines
     * in another layout (re-formatted by a tool) go through the JSON parser and RFC 8785 instead.
     */
    private record Raw(long index, String leafHash, String entry) {
        private static final String INDEX = "{\"index\":";
        private static final String LEAF = ",\"leaf_hash\":\"";
        private static final String ENTRY = "\",\"entry\":";

        static Raw of(String line) {
            int leaf = line.indexOf(LEAF);
            int entry = line.indexOf(ENTRY);
            if (!line.startsWith(INDEX) || leaf < 0 || entry < leaf || !line.endsWith("}")
                    || line.charAt(entry + ENTRY.length()) != '{') {
                return null;
            }
            String index = line.substring(INDEX.length(), leaf);
            if (!index.matches("0|[1-9][0-9]{0,17}")) {
                return null;
            }
            return new Raw(Long.parseLong(index), line.substring(leaf + LEAF.length(), entry),
                    line.substring(entry + ENTRY.length(), line.length() - 1));
        }
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
                Raw raw = Raw.of(line);
                if (raw != null) {
                    if (raw.index() >= size) {
                        return;
                    }
                    byte[] claimed;
                    try {
                        claimed = Rfc6962.fromBase64(raw.leafHash());
                    } catch (IllegalArgumentException e) {
                        throw new LogProblem(raw.index(), file + " line " + lineNumber + ": leaf_hash: " + e.getMessage());
                    }
                    visitor.visit(raw.index(), raw.entry().getBytes(StandardCharsets.UTF_8), claimed);
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
