package io.countersign.grants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.Lifecycle;
import io.countersign.lifecycle.Requester;
import io.countersign.model.ActionDigest;
import io.countersign.model.ActionId;
import io.countersign.model.ActionRequest;
import io.countersign.policy.Allow;
import io.countersign.policy.PolicyVersion;
import io.countersign.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A grant this instance issued is recognised by its hash instead of re-verified: it must mean exactly
 * what full verification would say, and nothing a changed, expired or foreign token could pass for.
 */
class GrantsTest {
    static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    final OctetKeyPair key = generate();
    final Grants grants = new Grants(key, Duration.ofMinutes(5));
    /** The same key in another instance: it has issued nothing, so it verifies every token in full. */
    final Grants fresh = new Grants(key, Duration.ofMinutes(5));

    static OctetKeyPair generate() {
        try {
            return new OctetKeyPairGenerator(Curve.Ed25519).keyID("test").generate();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static ActionRecord allowed(String id) {
        ActionRequest request = Fixtures.export("prod", Map.of("data_class", "pii"), "OPS-" + id);
        return Lifecycle.start(ActionId.newId(NOW), Requester.of(Fixtures.AGENT, request), request, ActionDigest.of(request),
                new Allow(List.of("r1"), List.of(), new PolicyVersion("v1")), NOW).record();
    }

    @Test
    void anIssuedTokenSaysWhatFullVerificationSays() {
        Grants.Issued issued = grants.issue(allowed("1"), NOW);
        Grants.Grant recognised = grants.verify(issued.token(), NOW.plusSeconds(10));
        assertThat(recognised).isEqualTo(fresh.verify(issued.token(), NOW.plusSeconds(10))).isEqualTo(issued.grant());
    }

    @Test
    void anIssuedTokenStillExpires() {
        Grants.Issued issued = grants.issue(allowed("2"), NOW);
        Instant late = issued.grant().expiresAt().plusSeconds(6);
        assertThatThrownBy(() -> grants.verify(issued.token(), late)).isInstanceOf(InvalidGrantException.class).hasMessageContaining("expired");
        assertThatThrownBy(() -> fresh.verify(issued.token(), late)).isInstanceOf(InvalidGrantException.class).hasMessageContaining("expired");
        assertThatThrownBy(() -> grants.verify(issued.token(), NOW.minusSeconds(60))).hasMessageContaining("not valid before");
    }

    @Test
    void aChangedOrForeignTokenIsNotRecognisedAndFailsFullVerification() throws Exception {
        Grants.Issued issued = grants.issue(allowed("3"), NOW);
        String token = issued.token();
        int at = token.lastIndexOf('.') + 5;
        String changed = token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A') + token.substring(at + 1);
        assertThatThrownBy(() -> grants.verify(changed, NOW)).isInstanceOf(InvalidGrantException.class).hasMessageContaining("does not verify");

        OctetKeyPair theirs = new OctetKeyPairGenerator(Curve.Ed25519).keyID("test").generate();
        String foreign = new Grants(theirs, Duration.ofMinutes(5)).issue(allowed("3"), NOW).token();
        assertThatThrownBy(() -> grants.verify(foreign, NOW)).isInstanceOf(InvalidGrantException.class).hasMessageContaining("does not verify");
    }

    @Test
    void theIssuedAreRecalledByHashAndTheOldestForgotten() {
        Grants.Issued first = grants.issue(allowed("4"), NOW);
        IssuedMemory memory = new IssuedMemory();
        memory.remember(first.token());
        assertThat(memory.recalls(first.token())).isTrue();
        assertThat(memory.recalls(first.token() + "x")).as("one more character is another token").isFalse();
        for (int i = 0; i < 4 * IssuedMemory.CAPACITY; i++) {
            memory.remember("token-" + i);
        }
        assertThat(memory.recalls(first.token())).as("the oldest is forgotten").isFalse();
        int last = 4 * IssuedMemory.CAPACITY;
        assertThat(IntStream.range(last - IssuedMemory.CAPACITY / 8, last).filter(i -> !memory.recalls("token-" + i)))
                .as("the latest eighth of the capacity are all known").isEmpty();
        long ofHalf = IntStream.range(last - IssuedMemory.CAPACITY / 2, last).filter(i -> memory.recalls("token-" + i)).count();
        assertThat(ofHalf).as("nearly all of the latest half: a set of eight forgets its oldest when a ninth comes")
                .isGreaterThan(IssuedMemory.CAPACITY / 2 * 98 / 100);
        assertThat(fresh.verify(first.token(), NOW)).as("and verified in full when it comes back").isEqualTo(first.grant());
    }
}
