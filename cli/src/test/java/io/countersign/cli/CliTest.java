package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The countersign command against a real server, as a script would run it. */
class CliTest {
    @TempDir
    Path config;

    CountersignServer server;

    record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void start() {
        ConfigDirectory.ensureExample(config);
        server = CountersignServer.start(config, "127.0.0.1", 0, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Run run(String who, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        String[] full = new String[args.length + 4];
        System.arraycopy(args, 0, full, 0, args.length);
        full[args.length] = "--server";
        full[args.length + 1] = "http://127.0.0.1:" + server.port();
        full[args.length + 2] = "--token";
        full[args.length + 3] = ConfigDirectory.demoKey(config, "COUNTERSIGN_" + who.toUpperCase() + "_KEY");
        int exit = commandLine.execute(full);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void requestApproveAndWait() {
        Run requested = run("agent", "request", "--action", "db.export", "--resource-type", "postgres.table",
                "--resource", "prod/customers", "--env", "prod", "--label", "data_class=pii",
                "--summary", "Export customers", "--ticket", "OPS-42", "--payload", "{\"sql\": \"COPY customers TO STDOUT\"}", "--json");
        assertThat(requested.exit()).isEqualTo(ExitCode.OK);
        String id = Json.parse(requested.out()).path("id").asString();

        Run inbox = run("alice", "ls", "--status", "pending");
        assertThat(inbox.out()).contains(id).contains("db.export");

        Run pendingWait = run("agent", "wait", id, "--timeout", "1s");
        assertThat(pendingWait.exit()).isEqualTo(ExitCode.STILL_PENDING);

        assertThat(run("alice", "approve", id, "-m", "ticket checked").exit()).isEqualTo(ExitCode.OK);
        Run bob = run("bob", "approve", id, "--comment", "data owner agrees");
        assertThat(bob.out()).contains("APPROVED").contains("review: bob approve — data owner agrees");

        Run waited = run("agent", "wait", id, "--timeout", "10s");
        assertThat(waited.exit()).isEqualTo(ExitCode.OK);
        assertThat(waited.out()).contains("APPROVED").contains("2/2 approvals");
    }

    @Test
    void anAdminBreaksGlassAndAReviewerReviewsItAfterwards() {
        // The agent's PII export is not carol's to wave through: she owns the agent, and the rule forbids it.
        Run export = run("agent", "request", "--action", "db.export", "--resource-type", "postgres.table",
                "--resource", "prod/customers", "--env", "prod", "--label", "data_class=pii",
                "--summary", "Export customers", "--ticket", "OPS-42", "--json");
        Run refused = run("carol", "break-glass", Json.parse(export.out()).path("id").asString(), "--justification",
                "the regulator wants it within the hour");
        assertThat(refused.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(refused.err()).contains("forbids break-glass");

        // Bob's production change is another matter: carol is behind nothing there.
        Run requested = run("bob", "request", "--action", "db.migrate", "--resource-type", "postgres.table",
                "--resource", "prod/customers", "--summary", "Fix the billing index", "--json");
        String id = Json.parse(requested.out()).path("id").asString();

        Run notAdmin = run("alice", "break-glass", id, "--justification", "the regulator wants it within the hour");
        assertThat(notAdmin.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(notAdmin.err()).contains("only humans with the admin role may break glass");
        Run terse = run("carol", "break-glass", id, "-j", "now");
        assertThat(terse.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(terse.err()).contains("at least 20 characters").contains("(field: justification)");
        assertThat(run("carol", "break-glass", id).err()).contains("Missing required option: '--justification=<justification>'");

        Run broken = run("carol", "break-glass", id, "--justification", "the regulator wants it within the hour");
        assertThat(broken.exit()).isEqualTo(ExitCode.OK);
        assertThat(broken.out()).contains("APPROVED").contains("BREAK-GLASS by carol").contains("the regulator wants it within the hour")
                .contains("break-glass review: pending");
        assertThat(run("bob", "wait", id, "--timeout", "5s").exit()).isEqualTo(ExitCode.OK);

        assertThat(run("alice", "ls", "--break-glass").out()).contains(id).contains("BREAK-GLASS by carol");
        assertThat(run("alice", "break-glass-review", id).err()).contains("--upheld").contains("--disputed");
        Run upheld = run("alice", "break-glass-review", id, "--upheld", "-m", "the regulator's letter is in OPS-42");
        assertThat(upheld.exit()).isEqualTo(ExitCode.OK);
        assertThat(upheld.out()).contains("break-glass review: upheld by alice — the regulator's letter is in OPS-42");
        assertThat(run("alice", "ls", "--break-glass").out()).contains("no break-glass to review");
        Run twice = run("carol", "break-glass-review", id, "--disputed", "-m", "no");
        assertThat(twice.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(twice.err()).contains("reviewed already by alice (upheld)");
    }

    @Test
    void deniedRequestExitsThree() {
        Run denied = run("agent", "request", "--action", "aws.iam.AttachRolePolicy", "--resource-type", "aws.iam.role",
                "--resource", "deployer", "--summary", "more rights",
                "--payload", "{\"PolicyArn\": \"arn:aws:iam::aws:policy/AdministratorAccess\"}");
        assertThat(denied.exit()).isEqualTo(ExitCode.DENIED);
        assertThat(denied.out()).contains("DENIED").contains("Attaching AdministratorAccess is never allowed");
    }

    @Test
    void refusalsAreExplainedOnStandardError() {
        Run missing = run("agent", "request", "--resource-type", "t", "--resource", "r", "--summary", "s");
        assertThat(missing.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(missing.err()).contains("missing required field 'action'");

        String id = Json.parse(run("agent", "request", "--action", "db.migrate", "--resource-type", "t", "--resource", "r",
                "--env", "prod", "--summary", "s", "--json").out()).path("id").asString();
        Run self = run("carol", "approve", id);
        assertThat(self.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(self.err()).contains("owner of the requesting agent cannot review");

        assertThat(run("agent", "cancel", id).out()).contains("CANCELLED");
        assertThat(run("agent", "wait", id).exit()).isEqualTo(ExitCode.CANCELLED);
    }

    @Test
    void unreachableServerIsAClearError() {
        var commandLine = Main.commandLine();
        StringWriter err = new StringWriter();
        commandLine.setErr(new PrintWriter(err, true));
        int exit = commandLine.execute("get", "act_00000000000000000000000000000000", "--server", "http://127.0.0.1:1", "--token", "x");
        assertThat(exit).isEqualTo(ExitCode.ERROR);
        assertThat(err.toString()).contains("cannot connect to http://127.0.0.1:1/");
    }

    @Test
    void aDelegateApprovesForTheDelegatorUntilTheDelegationEnds() {
        Run delegated = run("alice", "delegate", "--to", "bob", "--until", java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(2).toString(),
                "--reason", "on leave");
        assertThat(delegated.exit()).as(delegated.err()).isEqualTo(ExitCode.OK);
        assertThat(delegated.out()).contains("bob reviews for alice").contains("(in force)").contains("on leave");
        String delegation = delegated.out().substring(0, delegated.out().indexOf(' '));
        assertThat(run("bob", "delegate", "--list").out()).contains(delegation);

        Run requested = run("agent", "request", "--action", "db.migrate", "--resource-type", "postgres.table", "--resource", "prod/orders",
                "--env", "prod", "--summary", "Add an index", "--json");
        String id = Json.parse(requested.out()).path("id").asString();
        Run approved = run("bob", "approve", id, "--for", "alice", "-m", "covering for alice", "--json");
        assertThat(approved.exit()).as(approved.out()).isEqualTo(ExitCode.OK);
        assertThat(Json.parse(approved.out()).path("reviews").get(0).path("by").asString()).isEqualTo("bob");

        assertThat(run("alice", "delegate", "--end", delegation).exit()).isEqualTo(ExitCode.OK);
        assertThat(run("bob", "delegate", "--list").out()).contains("no delegations given or held");
        assertThat(run("alice", "delegate", "--to", "bob").exit()).as("--until is required").isEqualTo(ExitCode.USAGE);
    }
}
