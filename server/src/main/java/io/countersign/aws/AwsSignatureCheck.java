package io.countersign.aws;

import io.countersign.channels.ReplayGuard;
import io.countersign.identity.Identities;
import io.countersign.model.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who signed an AWS call: the principal whose access key id the identities file lists, when the SigV4
 * signature checks out with that key's derived secret, was made within five minutes of now, and has not
 * been seen before (a captured call replayed within its window is refused, on every node).
 */
final class AwsSignatureCheck {
    static final Duration WINDOW = Duration.ofMinutes(5);
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256\\s+Credential=([A-Z0-9]{16,128})/(\\d{8})/([a-z0-9-]{1,32})/([a-z0-9-]{1,32})/aws4_request,\\s*"
                    + "SignedHeaders=([a-z0-9;-]{1,1024}),\\s*Signature=([0-9a-f]{64})");

    private final AwsKeys keys;
    private final Supplier<Identities> identities;
    private final ReplayGuard replays;

    AwsSignatureCheck(AwsKeys keys, Supplier<Identities> identities, ReplayGuard replays) {
        this.keys = keys;
        this.identities = identities;
        this.replays = replays;
    }

    /** A call whose signature checked out: who made it, for which service. */
    record Signed(Principal principal, String accessKeyId, SigV4.Scope scope) {
    }

    /**
     * @param headers lower-case header names to their values, as received
     * @throws AwsRefusal saying what is wrong; never which part of a signature differed
     */
    Signed check(String method, String rawPath, String rawQuery, Map<String, List<String>> headers, byte[] body,
                 Map<String, AwsSettings.Service> services, Instant now) {
        String authorization = first(headers, "authorization")
                .orElseThrow(() -> new AwsRefusal(AwsError.missingAuthentication("sign the call with SigV4 and a key pair from "
                        + "`countersign keys new --aws`")));
        Matcher parts = AUTHORIZATION.matcher(authorization.strip());
        if (!parts.matches()) {
            throw new AwsRefusal(AwsError.missingAuthentication("the Authorization header is not a SigV4 signature (AWS4-HMAC-SHA256)"));
        }
        String accessKeyId = parts.group(1);
        SigV4.Scope scope = new SigV4.Scope(parts.group(2), parts.group(3), parts.group(4));
        List<String> signedHeaders = List.of(parts.group(5).split(";"));
        String signature = parts.group(6);
        Principal principal = identities.get().byAccount("aws", accessKeyId)
                .filter(p -> !identities.get().isDisabled(p.id()))
                .orElseThrow(() -> new AwsRefusal(AwsError.unknownKey("the access key id " + accessKeyId + " is not one Countersign issued, "
                        + "or it was revoked")));
        if (!services.containsKey(scope.service())) {
            throw new AwsRefusal(AwsError.accessDenied("this gateway does not forward calls to " + scope.service() + " (it forwards "
                    + String.join(", ", services.keySet().stream().sorted().toList()) + ")", null));
        }
        if (!signedHeaders.contains("host") || !signedHeaders.contains("x-amz-date")) {
            throw new AwsRefusal(AwsError.signatureDoesNotMatch("the signature must cover the host and x-amz-date headers"));
        }
        String amzDate = first(headers, "x-amz-date").orElse("");
        Instant signedAt;
        try {
            signedAt = Instant.from(SigV4.AMZ_DATE.parse(amzDate));
        } catch (DateTimeParseException e) {
            throw new AwsRefusal(AwsError.signatureDoesNotMatch("X-Amz-Date must be the signing time, e.g. 20261208T120000Z"));
        }
        if (Duration.between(signedAt, now).abs().compareTo(WINDOW) > 0) {
            throw new AwsRefusal(AwsError.expired("the call was signed at " + amzDate + ", more than 5 minutes from the gateway's time "
                    + SigV4.AMZ_DATE.format(now) + "; check the clock and sign again"));
        }
        if (!amzDate.startsWith(scope.day())) {
            throw new AwsRefusal(AwsError.signatureDoesNotMatch("the credential scope's date is not the day of X-Amz-Date"));
        }
        String bodyHash = SigV4.sha256Hex(body);
        Optional<String> declared = first(headers, "x-amz-content-sha256");
        if (declared.isPresent() && !declared.get().equals(bodyHash)) {
            throw new AwsRefusal(AwsError.signatureDoesNotMatch("x-amz-content-sha256 is not the SHA-256 of the body sent"));
        }
        String expected = SigV4.signature(keys.secretOf(accessKeyId), scope, amzDate,
                new SigV4.Request(method, rawPath, rawQuery, headers, bodyHash), signedHeaders);
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII))) {
            throw new AwsRefusal(AwsError.signatureDoesNotMatch("the request signature we calculated does not match the signature you "
                    + "provided; check the secret access key and the signing method"));
        }
        if (!replays.firstTime(signature, signedAt.plus(WINDOW), now)) {
            // An SDK retrying signs again; only a copy of the bytes comes back with the same signature.
            throw new AwsRefusal(AwsError.throttling("this signed call was received before; sign it again to retry", null));
        }
        return new Signed(principal, accessKeyId, scope);
    }

    private static Optional<String> first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

}
