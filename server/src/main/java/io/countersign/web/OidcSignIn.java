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
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Sign-in through an OpenID Connect provider: authorization code flow with PKCE (S256), a state bound
 * to the browser that started it, and a nonce. The ID token is checked by the Nimbus OIDC SDK:
 * signature against the provider's published keys, issuer, audience (our client id), expiry, and nonce.
 * The signed-in human is the identities file's principal with that e-mail address (or
 * {@code accounts: {oidc: <sub>}}), else a principal named by the token; groups come from the
 * configured claim when there is one.
 */
public final class OidcSignIn {
    private static final Duration PENDING_FOR = Duration.ofMinutes(10);

    private final WebSettings.Oidc settings;
    private final URI redirectUri;
    private final Supplier<Identities> identities;
    private final Clock clock;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private volatile OIDCProviderMetadata metadata;

    /** A sign-in under way: what the callback must match, and where to go afterwards. */
    private record Pending(String browser, Nonce nonce, CodeVerifier verifier, String returnTo, Instant until) {
    }

    /** The provider refused or the token did not pass; the message says which check, never the token. */
    public static final class SignInFailed extends Exception {
        SignInFailed(String message) {
            super(message);
        }
    }

    /** Where to send the browser, and the value of the cookie that binds the callback to this browser. */
    public record Started(URI authorizationUrl, String browserBinding) {
    }

    public OidcSignIn(WebSettings.Oidc settings, URI publicUrl, Supplier<Identities> identities, Clock clock) {
        this.settings = settings;
        this.redirectUri = publicUrl.resolve("login/callback");
        this.identities = identities;
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

    public Started start(String returnTo) throws SignInFailed {
        OIDCProviderMetadata provider = metadata();
        Instant now = clock.instant();
        pending.values().removeIf(p -> p.until().isBefore(now));
        State state = new State();
        Nonce nonce = new Nonce();
        CodeVerifier verifier = new CodeVerifier();
        String browser = Sessions.randomToken();
        pending.put(state.getValue(), new Pending(browser, nonce, verifier, returnTo, now.plus(PENDING_FOR)));
        AuthenticationRequest request = new AuthenticationRequest.Builder(ResponseType.CODE, new Scope(settings.scopes().toArray(String[]::new)),
                new ClientID(settings.clientId()), redirectUri)
                .endpointURI(provider.getAuthorizationEndpointURI())
                .state(state)
                .nonce(nonce)
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build();
        return new Started(request.toURI(), browser);
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
        Pending started = state == null ? null : pending.remove(state);
        if (started == null || started.until().isBefore(clock.instant())) {
            throw new SignInFailed("this sign-in was not started here or took too long; start again");
        }
        if (browserBinding == null || !java.security.MessageDigest.isEqual(started.browser().getBytes(), browserBinding.getBytes())) {
            throw new SignInFailed("this sign-in was started in another browser; start again");
        }
        if (error != null) {
            throw new SignInFailed("the identity provider refused the sign-in: " + error);
        }
        if (code == null || code.isBlank()) {
            throw new SignInFailed("the identity provider sent no authorization code");
        }
        OIDCProviderMetadata provider = metadata();
        AuthorizationCodeGrant grant = new AuthorizationCodeGrant(new AuthorizationCode(code), redirectUri, started.verifier());
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
            claims = validator.validate(idToken, started.nonce());
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
        Optional<Principal> mapped = known.byAccount("oidc", subject);
        if (mapped.isEmpty() && email != null && !Boolean.FALSE.equals(verified)) {
            mapped = known.all().stream().filter(p -> email.equalsIgnoreCase(p.email())).findFirst();
        }
        if (mapped.isPresent() && !mapped.get().isHuman()) {
            throw new SignInFailed("the account " + mapped.get().id() + " is not a human's; agents and services cannot sign in to the console");
        }
        Set<String> groups = settings.groupsClaim() == null ? null : groups(claims.getClaim(settings.groupsClaim()));
        if (mapped.isPresent()) {
            // Groups may come from the IdP; roles (auditor, admin) only ever from the identities file, and always.
            Principal p = mapped.get();
            return new Principal(p.id(), Principal.Kind.HUMAN, p.name(), p.email(), groups == null ? p.groups() : groups, null, p.roles());
        }
        String name = claims.getStringClaim("name");
        String id = email != null && !Boolean.FALSE.equals(verified) ? email.toLowerCase(java.util.Locale.ROOT) : "oidc:" + subject;
        return new Principal(id, Principal.Kind.HUMAN, name == null ? id : name, email, groups == null ? Set.of() : groups, null);
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
