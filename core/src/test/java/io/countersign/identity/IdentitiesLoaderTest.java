package io.countersign.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.model.Principal;
import io.countersign.yaml.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The identities file's roles: auditors are humans outside every reviewer group; admins are humans who may break glass. */
class IdentitiesLoaderTest {
    @TempDir
    Path directory;

    private Identities load(String principals) throws IOException {
        Path file = directory.resolve("identities.yaml");
        Files.writeString(file, "principals:\n" + principals);
        return IdentitiesLoader.load(file);
    }

    @Test
    void anAuditorIsAHumanWithTheRole() throws IOException {
        Identities identities = load("""
                  - id: dana
                    kind: human
                    roles: [auditor]
                """);
        Principal dana = identities.byId("dana").orElseThrow();
        assertThat(dana.has(Principal.Role.AUDITOR)).isTrue();
        assertThat(dana.groups()).isEmpty();
    }

    @Test
    void anAdminIsAHumanWhoStillReviewsForTheirGroups() throws IOException {
        Principal erin = load("""
                  - id: erin
                    kind: human
                    groups: [sre]
                    roles: [admin]
                """).byId("erin").orElseThrow();
        assertThat(erin.has(Principal.Role.ADMIN)).isTrue();
        assertThat(erin.has(Principal.Role.AUDITOR)).isFalse();
        assertThat(erin.groups()).containsExactly("sre");
    }

    @Test
    void rolesThatCannotBeAreRefusedWithThePrincipalAndTheReason() {
        assertThatThrownBy(() -> load("""
                  - id: dana
                    kind: human
                    groups: [sre]
                    roles: [auditor]
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("principal 'dana': an auditor does not review, so belongs to no reviewer group");
        assertThatThrownBy(() -> load("""
                  - id: root
                    kind: human
                    roles: [superuser]
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("principal 'root': unknown role 'superuser' (known: auditor, admin)");
        assertThatThrownBy(() -> load("""
                  - id: root
                    kind: human
                    roles: [auditor, admin]
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("principal 'root': an auditor checks what admins did, so cannot be an admin too");
        assertThatThrownBy(() -> load("""
                  - id: bot
                    kind: agent
                    roles: [admin]
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("principal 'bot': 'roles' is a list (roles: [auditor] or [admin]), for humans only");
        assertThatThrownBy(() -> load("""
                  - id: bot
                    kind: agent
                    roles: [auditor]
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("principal 'bot': 'roles' is a list (roles: [auditor] or [admin]), for humans only");
    }
}
