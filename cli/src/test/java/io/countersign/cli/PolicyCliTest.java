package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code countersign policy ...} and {@code report controls} on the shipped example configuration. */
class PolicyCliTest {
    private static final String PII_EXPORT = """
            {"action": "db.export",
             "resource": {"type": "postgres.table", "id": "prod/customers", "env": "prod", "labels": {"data_class": "pii"}},
             "intent": {"summary": "Export customers", "ticket": "OPS-1"}, "payload": {"sql": "COPY customers TO STDOUT"}}
            """;

    @TempDir
    Path config;

    Path policies;

    @BeforeEach
    void writeExample() {
        ConfigDirectory.ensureExample(config);
        policies = config.resolve("policies");
    }

    private static Cli.Run run(String... args) {
        return Cli.run(args);
    }

    @Test
    void shippedPoliciesPassTheirOwnCheckAndTests() {
        Cli.Run check = run("policy", "check", policies.toString());
        assertThat(check.exit()).isZero();
        assertThat(check.out()).startsWith("ok: 10 rules in 1 file, default require_approval, version sha256:")
                .contains("resources in the inventory, version sha256:");
        Cli.Run test = run("policy", "test", policies.toString());
        assertThat(test.exit()).as(test.out() + test.err()).isZero();
        assertThat(test.out()).contains("PASS default_test.yaml:6 reads in production run without review")
                .contains("21 passed, 0 failed");
    }

    @Test
    void checkListsEveryProblemAndExitsOne() throws IOException {
        Path file = policies.resolve("default.yaml");
        Files.writeString(file, Files.readString(file)
                .replace("ttl: 15m", "ttl: 45d")
                .replace("from: [sre, data-owners]", "from: [sre, data-owner]")
                .replace("when: action.matches(\"^aws", "when: action = (\"^aws"));
        Cli.Run check = run("policy", "check", policies.toString());
        assertThat(check.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(check.err())
                .contains("default.yaml:42: rule 'prod-pii-export': approvals.from names unknown group 'data-owner' (known groups: data-owners, sre)")
                .contains("default.yaml:60: rule 'no-admin-grants': 'when' does not compile")
                .contains("2 problems in");
        // The same directory without identities cannot check groups, and says so.
        Files.delete(config.resolve("identities.yaml"));
        Files.writeString(file, Files.readString(file).replace("action = (\"^aws", "action.matches(\"^aws").replace("45d", "15m"));
        Cli.Run unchecked = run("policy", "check", policies.toString());
        assertThat(unchecked.exit()).isZero();
        assertThat(unchecked.out()).contains("approver groups were not checked");
    }

    @Test
    void aBrokenInventoryIsReportedWithFileAndLineByCheckAndTest() throws IOException {
        Path inventory = config.resolve("resources.yaml");
        Files.writeString(inventory, Files.readString(inventory) + "  - {type: postgres.table, id: \"qa/*\", env: qa, owner: x}\n");
        Cli.Run check = run("policy", "check", policies.toString());
        assertThat(check.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(check.err()).containsPattern("resources.yaml:\\d+: unknown key 'owner'").contains("1 problem in the resource inventory");
        Cli.Run test = run("policy", "test", policies.toString());
        assertThat(test.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(test.err()).contains("unknown key 'owner'");
    }

    @Test
    void failingTestShowsWhatDiffered() throws IOException {
        Files.writeString(policies.resolve("extra_test.yaml"), """
                tests:
                  - name: staging exports are held (wrongly expected)
                    as: deploy-agent
                    request:
                      action: db.export
                      resource: {type: postgres.table, id: staging/customers, env: staging}
                      intent: {summary: Export}
                    expect: {effect: require_approval, rules: [prod-changes]}
                """);
        Cli.Run test = run("policy", "test", policies.toString());
        assertThat(test.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(test.out()).contains("FAIL extra_test.yaml:2 staging exports are held (wrongly expected)")
                .contains("effect: expected require_approval, got allow")
                .contains("rules: expected [prod-changes], got [staging-allowed]; did not match: [prod-changes] "
                        + "(prod-changes: resource.env == \"prod\" is false); also matched: [staging-allowed]")
                .contains("21 passed, 1 failed");

        Files.writeString(policies.resolve("extra_test.yaml"), "tests:\n  - name: nobody\n    as: mallory\n    request: {}\n    expect: {effect: allow}\n");
        Cli.Run broken = run("policy", "test", policies.toString());
        assertThat(broken.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(broken.err()).contains("extra_test.yaml:2: test 'nobody': 'as' names no known principal 'mallory'");
    }

    @Test
    void explainShowsStagesRemindersAndEscalation() throws IOException {
        Path request = config.resolve("secret.json");
        Files.writeString(request, """
                {"action": "aws.ssm.GetParameter", "resource": {"type": "aws.ssm.parameter", "id": "/prod/db/password"},
                 "intent": {"summary": "Read the database password"}, "payload": {"Name": "/prod/db/password", "WithDecryption": true}}
                """);
        Cli.Run explained = run("policy", "explain", "--request", request.toString(), "--policies", policies.toString(), "--as", "deploy-agent");
        assertThat(explained.exit()).as(explained.err()).isZero();
        assertThat(explained.out()).contains("stage 1: needs 1 approval(s) from data-owners (rule prod-secret-reads)")
                .contains("stage 2: needs 1 approval(s) from sre (rule prod-secret-reads)")
                .contains("reminds a stage's reviewers after 30m in it")
                .contains("after 2h in a stage, sre may review it too");
    }

    @Test
    void explainWorksOfflineAndAgainstTheServer() throws IOException {
        Path request = config.resolve("request.json");
        Files.writeString(request, PII_EXPORT);
        Cli.Run offline = run("policy", "explain", "--request", request.toString(), "--policies", policies.toString(), "--as", "deploy-agent");
        assertThat(offline.exit()).as(offline.err()).isZero();
        assertThat(offline.out()).contains("decision: require_approval for deploy-agent")
                .contains("needs 2 approval(s) from data-owners or sre (rule prod-pii-export)")
                .contains("match    prod-pii-export (require_approval, default.yaml:38); require holds")
                .contains("no match reads-allowed (allow, default.yaml:19): action.endsWith(\".read\") || action.endsWith(\".list\") || action.matches(");

        try (CountersignServer server = CountersignServer.start(config, "127.0.0.1", 0, Clock.systemUTC())) {
            String url = "http://127.0.0.1:" + server.port();
            String agent = ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY");
            String alice = ConfigDirectory.demoKey(config, "COUNTERSIGN_ALICE_KEY");
            Cli.Run online = run("policy", "explain", "--request", request.toString(), "--server", url, "--token", agent);
            assertThat(online.exit()).isZero();
            assertThat(online.out()).isEqualTo(offline.out());
            Cli.Run posing = run("policy", "explain", "--request", request.toString(), "--as", "alice", "--server", url, "--token", agent);
            assertThat(posing.exit()).isEqualTo(ExitCode.ERROR);
            assertThat(posing.err()).contains("only humans may use this endpoint");

            run("request", "--file", request.toString(), "--server", url, "--token", agent);
            Cli.Run report = run("report", "controls", "--server", url, "--token", alice, "--json");
            assertThat(report.exit()).isZero();
            assertThat(report.out()).contains("\"control\":\"nist-800-53:AC-3(2)\"");
            Cli.Run text = run("report", "controls", "--from", "2026-01-01", "--server", url, "--token", alice);
            assertThat(text.out()).containsPattern("nist-800-53:AC-3\\(2\\)\\s+1\\s+0\\s+0\\s+0\\s+0\\s+0\\s+0\\s+1");
            Cli.Run bad = run("report", "controls", "--from", "yesterday", "--server", url, "--token", alice);
            assertThat(bad.exit()).isEqualTo(ExitCode.ERROR);
            assertThat(bad.err()).contains("(field: from)");
        }
    }

    @Test
    void controlsCatalogIsListed() {
        Cli.Run controls = run("policy", "controls");
        assertThat(controls.out()).contains("nist-800-53:AC-3(2)").contains("Dual authorization").contains("iso27001:8.32");
        assertThat(run("policy").exit()).isEqualTo(ExitCode.USAGE);
    }
}
