package io.countersign.channels.teams;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Checks that an activity comes from Microsoft's Bot Connector, for this bot, from an allowed tenant,
 * as the Bot Framework's authentication rules ask: an RS256 token signed by a published key endorsed
 * for the activity's channel, issued by the Bot Framework or Entra, for this bot's app id, within its
 * lifetime (five minutes' skew), naming the same {@code serviceUrl} as the activity. Anything else is
 * refused; a refusal says which rule failed and never echoes the token.
 */
final class BotTokenVerifier {
    static final int MAX_SKEW_SECONDS = 300;

    /** What the check found. */
    sealed interface Verdict {
    }

    /** The activity may be acted on; its token is good until {@code expires} (with the skew). */
    record Accepted(java.time.Instant expires) implements Verdict {
    }

    /** Why an activity is refused, with the HTTP status to answer: 401 without a valid token, 403 with one that may not do this. */
    record Refusal(int status, String message) implements Verdict {
    }

    private final TeamsSettings.Bot bot;
    private final BotKeys keys;
    private final Set<String> issuers;
    private final DefaultJWTClaimsVerifier<?> claimsVerifier;

    BotTokenVerifier(TeamsSettings.Bot bot, BotKeys keys, Clock clock) {
        this.bot = bot;
        this.keys = keys;
        this.issuers = bot.issuers();
        this.claimsVerifier = new DefaultJWTClaimsVerifier<>(bot.appId(), null, Set.of("iss", "aud", "exp")) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claimsVerifier.setMaxClockSkew(MAX_SKEW_SECONDS);
    }

    Verdict check(String authorization, JsonNode activity) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return new Refusal(401, "expected Authorization: Bearer <token from the Bot Connector>");
        }
        SignedJWT token;
        try {
            token = SignedJWT.parse(authorization.substring(7).strip());
        } catch (ParseException e) {
            return new Refusal(401, "the bearer token is not a signed JWT");
        }
        JWSHeader header = token.getHeader();
        if (!JWSAlgorithm.RS256.equals(header.getAlgorithm())) {
            return new Refusal(401, "the token is signed with " + header.getAlgorithm() + "; only RS256 is accepted");
        }
        BotKeys.Key key;
        try {
            key = keys.key(header.getKeyID()).orElse(null);
        } catch (BotKeys.Unavailable e) {
            return new Refusal(503, "the Bot Connector's signing keys cannot be read now, so no token can be checked: " + e.getMessage());
        }
        if (key == null || !(key.jwk() instanceof RSAKey rsa)) {
            return new Refusal(401, "the token is signed with a key that is not among the Bot Connector's published keys");
        }
        try {
            if (!token.verify(new RSASSAVerifier(rsa))) {
                return new Refusal(401, "the token's signature does not verify");
            }
        } catch (JOSEException e) {
            return new Refusal(401, "the token's signature cannot be checked: " + e.getMessage());
        }
        JWTClaimsSet claims;
        try {
            claims = token.getJWTClaimsSet();
            claimsVerifier.verify(claims, null);
        } catch (ParseException e) {
            return new Refusal(401, "the token's claims cannot be read");
        } catch (BadJWTException e) {
            return new Refusal(401, "the token is not valid for this bot: " + e.getMessage());
        }
        if (!issuers.contains(claims.getIssuer())) {
            return new Refusal(401, "the token's issuer is neither the Bot Framework nor Entra for an allowed tenant");
        }
        String serviceUrl = activity.path("serviceUrl").asString("");
        Object claimed = claims.getClaim("serviceUrl");
        if (!(claimed instanceof String claimedUrl) || !claimedUrl.equals(serviceUrl)) {
            // Without this a token could be replayed with our answer sent to a serviceUrl of the sender's choosing.
            return new Refusal(403, "the token's serviceUrl claim does not match the activity's serviceUrl");
        }
        if (!serviceUrlAllowed(serviceUrl)) {
            return new Refusal(403, "the activity's serviceUrl is not on a host listed in teams.service_url_hosts");
        }
        String channel = activity.path("channelId").asString("");
        boolean entra = !claims.getIssuer().equals("https://api.botframework.com");
        if (key.endorsements() == null ? !entra : !key.endorsements().contains(channel)) {
            return new Refusal(403, "the signing key is not endorsed for the channel '" + channel + "'");
        }
        String tenant = activity.path("channelData").path("tenant").path("id").asString(activity.path("conversation").path("tenantId").asString(""));
        if (!bot.allowedTenants().contains(tenant)) {
            return new Refusal(403, "the activity comes from a tenant that is not allowed (teams.tenant_id, teams.allowed_tenants)");
        }
        String recipient = activity.path("recipient").path("id").asString("");
        if (!recipient.equals("28:" + bot.appId()) && !recipient.equals(bot.appId())) {
            return new Refusal(403, "the activity is addressed to another bot");
        }
        return new Accepted(claims.getExpirationTime().toInstant().plusSeconds(MAX_SKEW_SECONDS));
    }

    private boolean serviceUrlAllowed(String serviceUrl) {
        try {
            java.net.URI uri = java.net.URI.create(serviceUrl);
            return ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
                    && bot.serviceUrlHosts().contains(uri.getHost()) && uri.getUserInfo() == null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
