package io.countersign.web;

import io.countersign.model.Principal;
import java.time.Instant;

/**
 * A signed-in human in the console.
 *
 * @param id       the cookie value: 256 random bits, never logged
 * @param csrf     the token every form and htmx request must echo back
 * @param method   how they signed in: {@code oidc} or {@code demo}
 */
public record ConsoleSession(String id, Principal principal, String csrf, String method, Instant expiresAt) {
    @Override
    public String toString() {
        return "ConsoleSession[" + principal.id() + " via " + method + " until " + expiresAt + "]";
    }
}
