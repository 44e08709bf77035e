package io.countersign.lifecycle;

import java.time.Instant;

/**
 * Mints the token an action is run with (a signed grant): the lifecycle decides who gets one and when,
 * the server's grants how it is signed.
 */
@FunctionalInterface
public interface GrantIssuer {
    /** A server that issues no grants. */
    GrantIssuer NONE = (record, now) -> null;

    /** A grant and its token, as the action's representation shows it. */
    record Issued(String token, String id, String audience, Instant expiresAt) {
    }

    /** A fresh grant for {@code record}, which may run now; null when this server issues none. */
    Issued issue(ActionRecord record, Instant now);
}
