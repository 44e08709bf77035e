package io.countersign.api;

import io.countersign.identity.Identities;
import io.countersign.model.Principal;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * Resolves {@code Authorization: Bearer <api key>} to a principal, against the identities in force now: a key
 * deleted from the file, expired, or of a disabled principal stops working with the next request after the
 * reload. Says nothing about why a key failed.
 */
public final class Authenticator {
    private final Supplier<Identities> identities;
    private final Clock clock;

    public Authenticator(Supplier<Identities> identities, Clock clock) {
        this.identities = identities;
        this.clock = clock;
    }

    public Principal authenticate(ServerRequest request) {
        String header = request.headers().first(HeaderNames.AUTHORIZATION).orElse("");
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            var principal = identities.get().byApiKey(header.substring(7).strip(), clock.instant());
            if (principal.isPresent()) {
                return principal.get();
            }
        }
        throw new ApiException(Status.UNAUTHORIZED_401, "unauthenticated", null,
                "a valid API key is required: Authorization: Bearer <key>");
    }

    /** For what only people may see or do (policy, evidence reports): agents and services get 403. */
    public void requireHuman(Principal principal) {
        if (!principal.isHuman()) {
            throw new ApiException(Status.FORBIDDEN_403, "forbidden", null,
                    "only humans may use this endpoint; " + principal.id() + " is of kind " + principal.kind().wireName());
        }
    }
}
