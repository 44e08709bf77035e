package io.countersign.web;

import io.countersign.json.ActionDigest;
import io.countersign.model.Principal;
import io.countersign.store.SessionStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Supplier;
import io.countersign.identity.Identities;

/**
 * Console sessions, kept in the store (by the SHA-256 of their id) so that every node serves a signed-in
 * reviewer and a restart signs nobody out. Ids are 256 random bits; an expired session is never found.
 *
 * <p>A session says who signed in and how, not what they may do: every request resolves the person against the
 * identities in force, so a change of groups or roles applies at once, and a person removed from the file or
 * disabled loses every session with their next request (which ends it). Demo sessions end when demo sign-in is
 * turned off. Only groups an identity provider asserts ({@code oidc.groups_claim}) are the sign-in's own: they
 * change with the next sign-in.
 */
public final class Sessions {
    /** The id of someone signed in by SSO whom the identities file does not know ({@code oidc.unmapped: read_only}). */
    public static final String VIEWER_PREFIX = "oidc:";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SessionStore store;
    private final Duration ttl;
    private final Clock clock;
    private final Supplier<Identities> identities;
    private final WebSettings settings;

    public Sessions(SessionStore store, Duration ttl, Clock clock, Supplier<Identities> identities, WebSettings settings) {
        this.store = store;
        this.ttl = ttl;
        this.clock = clock;
        this.identities = identities;
        this.settings = settings;
    }

    public ConsoleSession create(Principal principal, String method) {
        Instant now = clock.instant();
        ConsoleSession session = new ConsoleSession(randomToken(), principal, randomToken(), method, now.plus(ttl));
        store.save(new SessionStore.Session(hash(session.id()), principal, session.csrf(), method, session.expiresAt()), now);
        return session;
    }

    public Optional<ConsoleSession> find(String id) {
        if (id == null || id.length() > 128) {
            return Optional.empty();
        }
        Optional<SessionStore.Session> stored = store.find(hash(id), clock.instant());
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        Optional<Principal> principal = resolve(stored.get());
        if (principal.isEmpty()) {
            store.delete(stored.get().idHash());
            return Optional.empty();
        }
        return Optional.of(new ConsoleSession(id, principal.get(), stored.get().csrf(), stored.get().method(), stored.get().expiresAt()));
    }

    /** The person a session is now, by the identities in force; empty when they may no longer be signed in. */
    private Optional<Principal> resolve(SessionStore.Session session) {
        String method = session.method();
        if (method.equals("demo") && !settings.demoLogin()) {
            return Optional.empty();
        }
        Principal signedIn = session.principal();
        Optional<Principal> current = identities.get().byId(signedIn.id());
        if (current.isPresent()) {
            Principal now = current.get();
            if (!now.isHuman()) {
                return Optional.empty();
            }
            boolean idpGroups = method.equals("oidc") && settings.oidc() != null && settings.oidc().groupsClaim() != null;
            return Optional.of(idpGroups ? new Principal(now.id(), now.kind(), now.name(), now.email(), signedIn.groups(), null, now.roles()) : now);
        }
        if (method.equals("oidc") && signedIn.id().startsWith(VIEWER_PREFIX) && settings.oidc() != null
                && settings.oidc().unmapped() == WebSettings.Unmapped.READ_ONLY) {
            return Optional.of(viewer(signedIn.id(), signedIn.name(), signedIn.email()));
        }
        return Optional.empty();
    }

    /** Someone signed in by SSO whom the identities file does not know: no groups, no roles, never a reviewer. */
    static Principal viewer(String id, String name, String email) {
        return new Principal(id, Principal.Kind.HUMAN, name, email, java.util.Set.of(), null, java.util.Set.of());
    }

    public void end(String id) {
        if (id != null && id.length() <= 128) {
            store.delete(hash(id));
        }
    }

    private static String hash(String id) {
        return HexFormat.of().formatHex(ActionDigest.sha256(id.getBytes(StandardCharsets.UTF_8)));
    }

    public Duration ttl() {
        return ttl;
    }

    /** Whether {@code presented} is the session's CSRF token, compared in constant time. */
    public static boolean csrfMatches(ConsoleSession session, String presented) {
        return presented != null && MessageDigest.isEqual(session.csrf().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                presented.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
