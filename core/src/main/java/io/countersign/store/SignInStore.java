package io.countersign.store;

import java.time.Instant;
import java.util.Optional;

/**
 * Single sign-ons under way, in the store so that the identity provider may send the browser back to any
 * node. Each is found by its state's SHA-256, taken once, and forgotten after a few minutes; how many one
 * client address may have under way, and how many there may be in all, is bounded.
 */
public interface SignInStore {
    /**
     * One sign-in under way.
     *
     * @param stateHash   SHA-256 of the OAuth {@code state}
     * @param browserHash SHA-256 of the cookie that binds the callback to the browser that started it
     * @param nonce       the ID token's expected nonce
     * @param verifier    the PKCE code verifier
     * @param client      the address it was started from
     */
    record Pending(String stateHash, String browserHash, String nonce, String verifier, String returnTo, String client, Instant expiresAt) {
    }

    /** Why a sign-in could not start. */
    enum Refusal {
        /** This client address has as many under way as it may. */
        CLIENT_LIMIT,
        /** The store holds as many as there may be in all. */
        FULL
    }

    /**
     * Keeps {@code pending}, dropping the expired ones first.
     *
     * @return empty when kept; otherwise why not
     */
    Optional<Refusal> begin(Pending pending, int perClient, int total, Instant now);

    /** Takes the sign-in with this state hash: found at most once, and never once expired. */
    Optional<Pending> take(String stateHash, Instant now);
}
