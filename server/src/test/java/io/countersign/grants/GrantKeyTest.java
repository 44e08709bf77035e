package io.countersign.grants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import io.countersign.yaml.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrantKeyTest {
    @TempDir
    Path dir;

    @Test
    void theKeyMadeOnFirstStartIsTheKeyReadOnTheNext() throws Exception {
        Path file = dir.resolve("grants.jwk");
        OctetKeyPair made = GrantKey.loadOrCreate(file);
        assertThat(made.getCurve()).isEqualTo(Curve.Ed25519);
        assertThat(made.getKeyID()).isEqualTo(made.computeThumbprint().toString());
        OctetKeyPair read = GrantKey.loadOrCreate(file);
        assertThat(read).isEqualTo(made);
        String token = new Grants(made, Duration.ofMinutes(5)).sign(GrantsTest.allowed("k"), GrantsTest.NOW).token();
        assertThat(new Grants(read, Duration.ofMinutes(5)).verify(token, GrantsTest.NOW).actionId().value()).isNotBlank();
    }

    @Test
    void aKeyFileWhosePublicHalfIsAnotherKeysIsRefusedAtStart() throws Exception {
        OctetKeyPair one = GrantKey.generate();
        OctetKeyPair other = GrantKey.generate();
        OctetKeyPair spliced = new OctetKeyPair.Builder(Curve.Ed25519, other.getX()).d(one.getD()).keyID("spliced").build();
        Path file = dir.resolve("spliced.jwk");
        Files.writeString(file, spliced.toJSONString());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> GrantKey.loadOrCreate(file)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("spliced.jwk").hasMessageContaining("is not the one of the private key")
                .hasMessageNotContaining(one.getD().toString());
        assertThat(Files.readString(file)).as("left as it was").isEqualTo(spliced.toJSONString());
    }

    @Test
    void aPublicKeyAloneCannotSignGrants() throws Exception {
        Path file = dir.resolve("public.jwk");
        Files.writeString(file, GrantKey.generate().toPublicJWK().toJSONString());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> GrantKey.loadOrCreate(file)).isInstanceOf(ConfigException.class).hasMessageContaining("not a private Ed25519 key");
    }
}
