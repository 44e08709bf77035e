package io.countersign.web;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import io.countersign.identity.Identities;
import io.countersign.model.Principal;
import io.countersign.store.SignInStore;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Sign-in through an OpenID Connect provider: authorization code flow with PKCE (S256), a state bound
 * to the browser that started it, and a nonce. Sign-ins under way are kept in the store, so the provider
 * may send the browser back to any node; a client address may have only so many under way. The ID token is
 * checked by the Nimbus OIDC SDK: signature against the provider's published keys, issuer, audience (our
 * client id), expiry, and nonce.
 *
 * <p>The signed-in person is one principal of the identities file, never a second one: the principal whose
 * {@code accounts.oidc} pins this issuer and subject; else the one with the token's e-mail address, only when
 * the provider says it is verified ({@code email_verified: true}) and only among principals not pinned to a
 * subject. Someone the file does not know is refused ({@code oidc.unmapped: refuse}, the default) or, if the
 * operator opts in, signed in with no groups and no roles, never to review.
 */
public final class OidcSignIn {
    private static final Duration PENDING_FOR = Duration.ofMinutes(10);
    /** Sign-ins one client address may have under way at once, and all clients together. */
    static final int PER_CLIENT = 20;
    static final int IN_ALL = 10_000;

    private final WebSettings.Oidc settings;
    private final URI redirectUri;
    private final Supplier<Identities> identities;
    private final SignInStore pending;
    private final Clock clock;
    private volatile OIDCProviderMetadata metadata;

    /** The provider refused or the token did not pass; the message says which check, never the token. */
    public static final class SignInFailed extends Exception {
        private final boolean tooMany;

        SignInFailed(String message) {
            this(message, false);
        }

        SignInFailed(String message, boolean tooMany) {
            super(message);
            this.tooMany = tooMany;
        }

        /** Whether it was refused because too many sign-ins are under way (429), not because of who signed in. */
        public boolean tooMany() {
            return tooMany;
        }
    }

    /** Where to send the browser, and the value of the cookie that binds the callback to this browser. */
    public record Started(URI authorizationUrl, String browserBinding) {
    }

    public OidcSignIn(WebSettings.Oidc settings, URI publicUrl, Supplier<Identities> identities, SignInStore pending, Clock clock) {
        this.settings = settings;
        this.redirectUri = publicUrl.resolve("login/callback");
        this.identities = identities;
        this.pending = pending;
        this.clock = clock;
    }

    /** The provider's metadata, read once from its discovery document (and again after a failure). */
    private OIDCProviderMetadata metadata() throws SignInFailed {
        OIDCProviderMetadata known = metadata;
        if (known != null) {
            return known;
        }
        try {
            known = OIDCProviderMetadata.resolve(new Issuer(settings.issuer()), 5000, 5000);
        } catch (IOException | com.nimbusds.oauth2.sdk.GeneralException e) {
            throw new SignInFailed("the identity provider " + settings.issuer() + " could not be reached or did not describe itself: " + e.getMessage());
        }
        metadata = known;
        return known;
    }

    /** @param client the address the browser comes from: how many sign-ins it may have under way is bounded */
    public Started start(String returnTo, String client) throws SignInFailed {
        OIDCProviderMetadata provider = metadata();
        Instant now = clock.instant();
        State state = new State();
        Nonce nonce = new Nonce();
        CodeVerifier verifier = new CodeVerifier();
        String browser = Sessions.randomToken();
        var refused = pending.begin(new SignInStore.Pending(sha256(state.getValue()), sha256(browser), nonce.getValue(), verifier.getValue(),
                returnTo, client, now.plus(PENDING_FOR)), PER_CLIENT, IN_ALL, now);
        if (refused.isPresent()) {
            throw new SignInFailed(refused.get() == SignInStore.Refusal.CLIENT_LIMIT
                    ? "too many sign-ins are under way from your address; finish one or wait ten minutes"
                    : "too many sign-ins are under way; try again in a few minutes", true);
        }
        AuthenticationRequest request = new AuthenticationRequest.Builder(ResponseType.CODE, new Scope(settings.scopes().toArray(String[]::new)),
                new ClientID(settings.clientId()), redirectUri)
                .endpointURI(provider.getAuthorizationEndpointURI())
                .state(state)
                .nonce(nonce)
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build();
        return new Started(request.toURI(), browser);
    }

    private static String sha256(String text) {
        return java.util.HexFormat.of().formatHex(io.countersign.json.ActionDigest.sha256(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** The signed-in human and where they were going. */
    public record Finished(Principal principal, String returnTo) {
    }

    /**
     * Completes a sign-in from the provider's redirect.
     *
     * @param browserBinding the cookie set by {@link #start}: a callback from another browser is refused
     */
    public Finished finish(String code, String state, String error, String browserBinding) throws SignInFailed {
        SignInStore.Pending started = state == null || state.length() > 512 ? null : pending.take(sha256(state), clock.instant()).orElse(null);
        if (started == null) {
            throw new SignInFailed("this sign-in was not started here or took too long; start again");
        }
        if (browserBinding == null || !java.security.MessageDigest.isEqual(started.browserHash().getBytes(), sha256(browserBinding).getBytes())) {
            throw new SignInFailed("this sign-in was started in another browser; start again");
        }
        if (error != null) {
            throw new SignInFailed("the identity provider refused the sign-in: " + error);
        }
        if (code == null || code.isBlank()) {
            throw new SignInFailed("the identity provider sent no authorization code");
        }
        OIDCProviderMetadata provider = metadata();
        AuthorizationCodeGrant grant = new AuthorizationCodeGrant(new AuthorizationCode(code), redirectUri, new CodeVerifier(started.verifier()));
        ClientID client = new ClientID(settings.clientId());
        TokenRequest request = settings.clientSecret() == null
                ? new TokenRequest(provider.getTokenEndpointURI(), client, grant)
                : new TokenRequest(provider.getTokenEndpointURI(), new ClientSecretBasic(client, new Secret(settings.clientSecret())), grant);
        TokenResponse response;
        try {
            var http = request.toHTTPRequest();
            http.setConnectTimeout(5000);
            http.setReadTimeout(5000);
            response = OIDCTokenResponseParser.parse(http.send());
        } catch (IOException | ParseException e) {
            throw new SignInFailed("the identity provider's token endpoint failed: " + e.getMessage());
        }
        if (!response.indicatesSuccess()) {
            TokenErrorResponse refused = response.toErrorResponse();
            throw new SignInFailed("the identity provider would not exchange the code: "
                    + (refused.getErrorObject() == null ? "no reason given" : refused.getErrorObject().getCode()));
        }
        JWT idToken = ((OIDCTokenResponse) response.toSuccessResponse()).getOIDCTokens().getIDToken();
        if (idToken == null) {
            throw new SignInFailed("the identity provider returned no ID token");
        }
        IDTokenClaimsSet claims;
        try {
            IDTokenValidator validator = new IDTokenValidator(new Issuer(settings.issuer()), client, JWSAlgorithm.RS256,
                    provider.getJWKSetURI().toURL());
            validator.setMaxClockSkew(300);
            claims = validator.validate(idToken, new Nonce(started.nonce()));
        } catch (BadJOSEException | JOSEException | IOException e) {
            // Nimbus names the failed check: "Unexpected JWT issuer", "Unexpected JWT audience", "Expired JWT", ...
            throw new SignInFailed("the identity provider's ID token was refused: " + e.getMessage());
        }
        return new Finished(principal(claims), started.returnTo());
    }

    private Principal principal(IDTokenClaimsSet claims) throws SignInFailed {
        String subject = claims.getSubject().getValue();
        String email = claims.getStringClaim("email");
        Boolean verified = claims.getBooleanClaim("email_verified");
        Identities known = identities.get();
        Optional<Principal> mapped = known.byAccount("oidc", claims.getIssuer().getValue() + "|" + subject);
        if (mapped.isEmpty() && email != null && Boolean.TRUE.equals(verified)) {
            mapped = known.byEmail(email, settings.emailCase());
        }
        if (mapped.isPresent() && !mapped.get().isHuman()) {
            throw new SignInFailed("the account " + mapped.get().id() + " is not a human's; agents and services cannot sign in to the console");
        }
        if (mapped.isPresent()) {
            // Groups may come from the IdP; roles (auditor, admin) only ever from the identities file, and always.
            Principal p = mapped.get();
            Set<String> groups = settings.groupsClaim() == null ? p.groups() : groups(claims.getClaim(settings.groupsClaim()));
            return new Principal(p.id(), Principal.Kind.HUMAN, p.name(), p.email(), groups, null, p.roles());
        }
        if (settings.unmapped() == WebSettings.Unmapped.READ_ONLY) {
            String name = claims.getStringClaim("name");
            String id = Sessions.VIEWER_PREFIX + subject;
            return Sessions.viewer(id, name == null ? id : name, Boolean.TRUE.equals(verified) ? email : null);
        }
        String who = email != null ? email : "subject " + subject;
        throw new SignInFailed(email != null && !Boolean.TRUE.equals(verified)
                ? "the identity provider does not say that " + email + " is verified (email_verified), so it names nobody here"
                : who + " is not among the people this Countersign knows; ask an admin to add you to the identities file");
    }

    private static Set<String> groups(Object claim) {
        Set<String> groups = new LinkedHashSet<>();
        if (claim instanceof List<?> list) {
            list.forEach(g -> groups.add(String.valueOf(g)));
        } else if (claim instanceof String text) {
            groups.add(text);
        }
        return groups;
    }
}
