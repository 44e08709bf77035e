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

    private static final String HASH_A = "sha256:" + "a".repeat(64);
    private static final String HASH_B = "sha256:" + "b".repeat(64);

    @Test
    void everyProblemIsReportedWithItsLineAndTheWholeFileIsRefused() {
        assertThatThrownBy(() -> load("""
                  - id: alice
                    kind: human
                    email: alice@example.com
                    api_keys: [sha256:nothex]
                  - id: bob
                    kind: person
                  - id: carol
                    kind: human
                    email: ALICE@example.com
                    accounts: {oidc: "not-an-issuer|123"}
                """)).isInstanceOfSatisfying(IdentitiesException.class, e -> assertThat(e.reasons()).containsExactly(
                "identities.yaml:5: principal 'alice': api_keys entries are sha256:<64 hex digits> (the hash, never the key)",
                "identities.yaml:7: principal 'bob': kind must be agent, human or service",
                "identities.yaml:10: principal 'carol': the e-mail address ALICE@example.com is also principal 'alice''s (compared without case): "
                        + "one address must name one person",
                "identities.yaml:11: principal 'carol': accounts.oidc is '<issuer URL>|<subject>', e.g. https://login.example.com/|248289761001"));
    }

    @Test
    void aKeyMayCarryAnExpiryAfterWhichItFindsNobody() throws IOException {
        Identities identities = load("""
                  - id: ci
                    kind: service
                    api_keys:
                      - {hash: %s, expires: 2027-03-01}
                      - %s
                """.formatted(ApiKeys.hash("cs_old"), ApiKeys.hash("cs_new")));
        java.time.Instant before = java.time.Instant.parse("2027-02-28T23:59:59Z");
        java.time.Instant after = java.time.Instant.parse("2027-03-01T00:00:00Z");
        assertThat(identities.byApiKey("cs_old", before)).map(Principal::id).contains("ci");
        assertThat(identities.byApiKey("cs_old", after)).isEmpty();
        assertThat(identities.byApiKey("cs_new", after)).map(Principal::id).contains("ci");
        assertThatThrownBy(() -> load("""
                  - id: ci
                    kind: service
                    api_keys: [{hash: %s, expires: soon}]
                """.formatted(HASH_A))).hasMessageContaining("identities.yaml:4: principal 'ci': 'expires' is a date");
    }

    @Test
    void aDisabledPrincipalIsFoundByNothingButItsOwnersStayValid() throws IOException {
        Identities identities = load("""
                  - id: dana
                    kind: human
                    email: dana@example.com
                    disabled: true
                    accounts: {slack: U0DANA}
                    api_keys: [%s]
                  - id: bot
                    kind: agent
                    owner: dana
                    api_keys: [%s]
                """.formatted(ApiKeys.hash("cs_dana"), HASH_B));
        assertThat(identities.byId("dana")).isEmpty();
        assertThat(identities.isDisabled("dana")).isTrue();
        assertThat(identities.byApiKey("cs_dana", java.time.Instant.now())).isEmpty();
        assertThat(identities.byAccount("slack", "U0DANA")).isEmpty();
        assertThat(identities.human("dana@example.com")).isEmpty();
        assertThat(identities.byId("bot")).isPresent();
    }

    @Test
    void aPinnedSignInSubjectFindsItsPersonAndTheirAddressNoLongerDoes() throws IOException {
        Identities identities = load("""
                  - id: erin
                    kind: human
                    email: erin@example.com
                    accounts: {oidc: "https://login.example.com/|248289761001"}
                  - id: frank
                    kind: human
                    email: Frank@Example.COM
                """);
        assertThat(identities.byAccount("oidc", "https://login.example.com/|248289761001")).map(Principal::id).contains("erin");
        assertThat(identities.byEmail("erin@example.com", Emails.LocalPart.EXACT)).as("pinned: never by address").isEmpty();
        assertThat(identities.byEmail("Frank@example.com", Emails.LocalPart.EXACT)).map(Principal::id).contains("frank");
        assertThat(identities.byEmail("frank@example.com", Emails.LocalPart.EXACT)).as("the local part keeps its case").isEmpty();
        assertThat(identities.byEmail("frank@example.com", Emails.LocalPart.CASE_INSENSITIVE)).map(Principal::id).contains("frank");
        // NFKC: full-width letters are the same address.
        assertThat(identities.byEmail("\uFF26rank@example.com", Emails.LocalPart.EXACT)).map(Principal::id).contains("frank");
        assertThat(identities.human("FRANK@example.com")).map(Principal::id).as("on_behalf_of, without case").contains("frank");
        assertThat(identities.human("frank")).map(Principal::id).contains("frank");
        assertThat(identities.human("nobody@example.com")).isEmpty();
    }

    @Test
    void theVersionIsTheHashOfTheFileAndChangesWithIt() throws IOException {
        String one = load("  - {id: a, kind: human}\n").version();
        String two = load("  - {id: a, kind: human}\n  - {id: b, kind: human}\n").version();
        assertThat(one).startsWith("sha256:").isNotEqualTo(two);
        assertThat(load("  - {id: a, kind: human}\n").version()).isEqualTo(one);
    }

    @Test
    void anAgentHasAwsKeyIdsAndAKubernetesAccountButNoChatAccount() throws IOException {
        Identities identities = load("""
                  - id: bot
                    kind: agent
                    aws_access_keys: [AKCSABCDEFGHIJKLMNOP, AKCSQRSTUVWXYZ234567]
                    accounts: {kubernetes: "system:serviceaccount:prod:deploy-bot"}
                """);
        assertThat(identities.byAccount("aws", "AKCSQRSTUVWXYZ234567")).map(Principal::id).contains("bot");
        assertThat(identities.byAccount("kubernetes", "system:serviceaccount:prod:deploy-bot")).map(Principal::id).contains("bot");
        assertThatThrownBy(() -> load("""
                  - id: bot
                    kind: agent
                    accounts: {slack: U0BOT}
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("principal 'bot': accounts.slack is for humans only");
    }

    @Test
    void awsKeyIdsThatAreNotIdsOrAreListedTwiceAreRefused() {
        assertThatThrownBy(() -> load("""
                  - id: bot
                    kind: agent
                    aws_access_keys: [wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY]
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("aws_access_keys entries are access key ids").hasMessageContaining("never the secret")
                .hasMessageNotContaining("wJalrXUtnFEMI");
        assertThatThrownBy(() -> load("""
                  - id: one
                    kind: agent
                    aws_access_keys: [AKCSABCDEFGHIJKLMNOP]
                  - id: two
                    kind: agent
                    aws_access_keys: [AKCSABCDEFGHIJKLMNOP]
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("the access key id AKCSABCDEFGHIJKLMNOP is also principal 'one''s");
    }
}
