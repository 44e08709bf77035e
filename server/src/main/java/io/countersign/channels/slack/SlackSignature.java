package io.countersign.channels.slack;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Slack's request signature (v0): {@code v0=} + hex HMAC-SHA256 of {@code "v0:" + timestamp + ":" + raw body}
 * with the app's signing secret. Our own, not Bolt's: Bolt accepts timestamps from the future and
 * compares with {@code String.equals}; here a timestamp more than five minutes off in either
 * direction is refused and the comparison takes constant time.
 */
public final class SlackSignature {
    static final Duration WINDOW = Duration.ofMinutes(5);

    private final byte[] secret;

    public SlackSignature(String signingSecret) {
        this.secret = signingSecret.getBytes(StandardCharsets.UTF_8);
    }

    /** Why a request is not from Slack, or null when it is. */
    public String problem(String timestamp, String signature, byte[] rawBody, Instant now) {
        if (timestamp == null || signature == null) {
            return "the request is not signed (X-Slack-Request-Timestamp and X-Slack-Signature are required)";
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            return "X-Slack-Request-Timestamp is not a number of seconds";
        }
        if (Math.abs(now.getEpochSecond() - seconds) > WINDOW.toSeconds()) {
            return "X-Slack-Request-Timestamp is more than 5 minutes from now: a stale or replayed request";
        }
        byte[] expected = sign(timestamp, rawBody).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII)) ? null
                : "X-Slack-Signature does not match the body";
    }

    /** The signature Slack sends for {@code rawBody} at {@code timestamp} (tests use it to sign as Slack does). */
    public String sign(String timestamp, byte[] rawBody) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(("v0:" + timestamp + ":").getBytes(StandardCharsets.UTF_8));
            return "v0=" + HexFormat.of().formatHex(mac.doFinal(rawBody));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
