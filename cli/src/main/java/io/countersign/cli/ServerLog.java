package io.countersign.cli;

import io.countersign.client.JsonApi;
import io.countersign.sdk.CountersignException;
import io.countersign.sdk.Countersign;
import io.countersign.audit.LogProblem;
import io.countersign.audit.Rfc6962;
import io.countersign.audit.TilePath;
import java.time.Duration;
import java.util.Arrays;

/**
 * Reads a log the way any C2SP tlog-tiles client does: entry bundles for the entries and level-0 hash
 * tiles for the leaf hashes the server claims, so an entry changed behind the tree is pinpointed.
 */
final class ServerLog implements LogSource {
    private final JsonApi api;

    ServerLog(JsonApi api) {
        this.api = api;
    }

    String checkpoint() {
        return new String(get("v1/audit/checkpoint"), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void entries(long size, Visitor visitor) throws LogProblem {
        for (long tile = 0; tile * TilePath.WIDTH < size; tile++) {
            int width = (int) Math.min(TilePath.WIDTH, size - tile * TilePath.WIDTH);
            byte[] bundle = get("v1/audit/" + new TilePath(TilePath.ENTRIES, tile, width).path());
            byte[] hashes = get("v1/audit/" + new TilePath(0, tile, width).path());
            if (hashes.length != width * Rfc6962.HASH_SIZE) {
                throw new LogProblem(tile * TilePath.WIDTH, "the server's hash tile " + tile + " holds "
                        + hashes.length / Rfc6962.HASH_SIZE + " hashes, not " + width);
            }
            int at = 0;
            for (int i = 0; i < width; i++) {
                long index = tile * TilePath.WIDTH + i;
                if (at + 2 > bundle.length) {
                    throw new LogProblem(index, "entry " + index + " is missing from the server's entry bundle " + tile);
                }
                int length = ((bundle[at] & 0xff) << 8) | (bundle[at + 1] & 0xff);
                if (at + 2 + length > bundle.length) {
                    throw new LogProblem(index, "entry " + index + " is cut short in the server's entry bundle " + tile);
                }
                byte[] entry = Arrays.copyOfRange(bundle, at + 2, at + 2 + length);
                at += 2 + length;
                visitor.visit(index, entry, Arrays.copyOfRange(hashes, i * Rfc6962.HASH_SIZE, (i + 1) * Rfc6962.HASH_SIZE));
            }
        }
    }

    byte[] get(String path) {
        Countersign.Answer answer = api.getRaw(path, Duration.ofMinutes(2));
        if (!answer.ok()) {
            throw new CountersignException(answer.status(), "log_unavailable", null, path + ": " + answer.errorMessage());
        }
        return answer.body();
    }
}
