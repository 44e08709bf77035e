package io.countersign.grants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.OctetKeyPair;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.Lifecycle;
import io.countersign.lifecycle.Requester;
import io.countersign.json.ActionDigest;
import io.countersign.model.ActionId;
import io.countersign.model.ActionRequest;
import io.countersign.policy.Allow;
import io.countersign.policy.PolicyVersion;
import io.countersign.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
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
        return new OctetKeyPair.Builder(GrantKey.generate()).keyID("test").build();
    }

    static ActionRecord allowed(String id) {
        ActionRequest request = Fixtures.export("prod", Map.of("data_class", "pii"), "OPS-" + id);
        return Lifecycle.start(ActionId.newId(NOW), Requester.of(Fixtures.AGENT, request), request, ActionDigest.of(request),
                new Allow(List.of("r1"), List.of(), new PolicyVersion("v1")), NOW).record();
    }

    @Test
    void anIssuedTokenSaysWhatFullVerificationSays() {
        Grants.Issued issued = grants.sign(allowed("1"), NOW);
        Grants.Grant recognised = grants.verify(issued.token(), NOW.plusSeconds(10));
        assertThat(recognised).isEqualTo(fresh.verify(issued.token(), NOW.plusSeconds(10))).isEqualTo(issued.grant());
    }

    @Test
    void theSignatureIsTheOneTheJdksOwnEd25519MakesAndAccepts() throws Exception {
        String token = grants.sign(allowed("jdk"), NOW).token();
        int dot = token.lastIndexOf('.');
        byte[] signingInput = token.substring(0, dot).getBytes(StandardCharsets.US_ASCII);
        byte[] signature = Base64.getUrlDecoder().decode(token.substring(dot + 1));
        KeyFactory keys = KeyFactory.getInstance("Ed25519");
        // The fixed DER prefixes of RFC 8410 keys, followed by the raw 32 bytes of the JWK.
        PublicKey publicKey = keys.generatePublic(new X509EncodedKeySpec(concat(HexFormat.of().parseHex("302a300506032b6570032100"), key.getDecodedX())));
        PrivateKey privateKey = keys.generatePrivate(new PKCS8EncodedKeySpec(concat(HexFormat.of().parseHex("302e020100300506032b657004220420"), key.getDecodedD())));

        Signature jdk = Signature.getInstance("Ed25519");
        jdk.initVerify(publicKey);
        jdk.update(signingInput);
        assertThat(jdk.verify(signature)).as("the JDK accepts the grant's signature").isTrue();
        jdk.initSign(privateKey);
        jdk.update(signingInput);
        assertThat(jdk.sign()).as("Ed25519 is deterministic: the JDK makes the very same bytes").isEqualTo(signature);
    }

    private static byte[] concat(byte[] prefix, byte[] raw) {
        byte[] out = Arrays.copyOf(prefix, prefix.length + raw.length);
        System.arraycopy(raw, 0, out, prefix.length, raw.length);
        return out;
    }

    @Test
    void anIssuedTokenStillExpires() {
        Grants.Issued issued = grants.sign(allowed("2"), NOW);
        Instant late = issued.grant().expiresAt().plusSeconds(6);
        assertThatThrownBy(() -> grants.verify(issued.token(), late)).isInstanceOf(InvalidGrantException.class).hasMessageContaining("expired");
        assertThatThrownBy(() -> fresh.verify(issued.token(), late)).isInstanceOf(InvalidGrantException.class).hasMessageContaining("expired");
        assertThatThrownBy(() -> grants.verify(issued.token(), NOW.minusSeconds(60))).hasMessageContaining("not valid before");
    }

    @Test
    void aChangedOrForeignTokenIsNotRecognisedAndFailsFullVerification() throws Exception {
        Grants.Issued issued = grants.sign(allowed("3"), NOW);
        String token = issued.token();
        int at = token.lastIndexOf('.') + 5;
        String changed = token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A') + token.substring(at + 1);
        assertThatThrownBy(() -> grants.verify(changed, NOW)).isInstanceOf(InvalidGrantException.class).hasMessageContaining("does not verify");

        OctetKeyPair theirs = generate();
        String foreign = new Grants(theirs, Duration.ofMinutes(5)).sign(allowed("3"), NOW).token();
        assertThatThrownBy(() -> grants.verify(foreign, NOW)).isInstanceOf(InvalidGrantException.class).hasMessageContaining("does not verify");
    }

    @Test
    void theIssuedAreRecalledByHashAndTheOldestForgotten() {
        Grants.Issued first = grants.sign(allowed("4"), NOW);
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
