package io.countersign.channels.teams;

import com.nimbusds.jose.jwk.JWK;
import io.countersign.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The keys that sign Bot Connector tokens, read from the configured OpenID metadata documents (each
 * names its {@code jwks_uri}) and kept for a day. A token signed with a key not seen yet makes the keys
 * be read again (at most once a minute), so Microsoft's key rollover needs no restart. Each key keeps
 * the channels it is endorsed for ({@code endorsements}), which nimbus's JWK leaves out.
 */
final class BotKeys {
    private static final Duration KEEP = Duration.ofHours(24);
    private static final Duration REREAD_AT_MOST = Duration.ofMinutes(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** A signing key and the channels it may sign for; null endorsements when the key states none (Entra's keys). */
    record Key(JWK jwk, Set<String> endorsements) {
    }

    /** The keys could not be read: nothing can be verified, so everything is refused until they can. */
    static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message);
        }
    }

    private final List<URI> metadata;
    private final HttpClient http;
    private final Clock clock;
    private Map<String, Key> keys = Map.of();
    private Instant readAt = Instant.EPOCH;

    BotKeys(List<URI> metadata, HttpClient http, Clock clock) {
        this.metadata = metadata;
        this.http = http;
        this.clock = clock;
    }

    /** The key with this id, reading the keys again when it is unknown or they are old. */
    synchronized Optional<Key> key(String kid) throws Unavailable {
        Instant now = clock.instant();
        boolean old = readAt.plus(KEEP).isBefore(now);
        boolean unknown = kid != null && !keys.containsKey(kid) && readAt.plus(REREAD_AT_MOST).isBefore(now);
        if (old || unknown) {
            keys = read();
            readAt = now;
        }
        return Optional.ofNullable(kid == null ? null : keys.get(kid));
    }

    private Map<String, Key> read() throws Unavailable {
        Map<String, Key> read = new HashMap<>();
        for (URI document : metadata) {
            JsonNode jwksUri = get(document).path("jwks_uri");
            if (!jwksUri.isString()) {
                throw new Unavailable("the OpenID metadata at " + document + " names no jwks_uri");
            }
            for (JsonNode key : get(URI.create(jwksUri.stringValue())).path("keys").values()) {
                try {
                    JWK jwk = JWK.parse(Json.text(key));
                    JsonNode endorsements = key.get("endorsements");
                    Set<String> channels = endorsements == null ? null
                            : Set.copyOf(endorsements.valueStream().map(e -> e.asString("")).toList());
                    if (jwk.getKeyID() != null) {
                        read.putIfAbsent(jwk.getKeyID(), new Key(jwk, channels));
                    }
                } catch (ParseException | IllegalArgumentException e) {
                    // One key we cannot use does not make the others unusable.
                }
            }
        }
        return Map.copyOf(read);
    }

    private JsonNode get(URI uri) throws Unavailable {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new Unavailable(uri + " answered " + response.statusCode());
            }
            return Json.parse(new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            throw new Unavailable("cannot read " + uri + ": " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while reading " + uri);
        }
    }
}
