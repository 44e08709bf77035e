package io.countersign.channels.slack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Slack's v0 request signature, against the test vector from Slack's documentation. */
class SlackSignatureTest {
    static final String SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
    static final String TIMESTAMP = "1531420618";
    static final byte[] BODY = ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
            + "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
            + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
            + "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c").getBytes(StandardCharsets.UTF_8);
    static final String EXPECTED = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    private final SlackSignature signature = new SlackSignature(SECRET);
    private final Instant then = Instant.ofEpochSecond(1531420618);

    @Test
    void matchesSlacksTestVector() {
        assertThat(signature.sign(TIMESTAMP, BODY)).isEqualTo(EXPECTED);
        assertThat(signature.problem(TIMESTAMP, EXPECTED, BODY, then.plusSeconds(10))).isNull();
    }

    @Test
    void refusesABadSignatureAStaleOrFutureTimestampAndAMissingHeader() {
        assertThat(signature.problem(TIMESTAMP, EXPECTED.replace('a', 'b'), BODY, then)).contains("does not match");
        byte[] changed = BODY.clone();
        changed[0] = 'T';
        assertThat(signature.problem(TIMESTAMP, EXPECTED, changed, then)).contains("does not match");
        assertThat(signature.problem(TIMESTAMP, EXPECTED, BODY, then.plusSeconds(301))).contains("stale or replayed");
        assertThat(signature.problem(TIMESTAMP, EXPECTED, BODY, then.minusSeconds(301))).contains("stale or replayed");
        assertThat(signature.problem(null, EXPECTED, BODY, then)).contains("not signed");
        assertThat(signature.problem("soon", EXPECTED, BODY, then)).contains("not a number");
        assertThat(new SlackSignature("another-secret").problem(TIMESTAMP, EXPECTED, BODY, then)).contains("does not match");
    }
}
