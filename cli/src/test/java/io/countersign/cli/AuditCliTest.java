package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.audit.LogKey;
import io.countersign.audit.SignedNote;
import io.countersign.json.Json;
import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code countersign audit}: what an auditor runs, and every way a tampered export is caught. */
class AuditCliTest {
    @TempDir
    Path config;

    @TempDir
    Path work;

    CountersignServer server;
    Path key;

    @BeforeEach
    void start() throws Exception {
        ConfigDirectory.ensureExample(config);
        server = CountersignServer.start(config, "127.0.0.1", 0, Clock.systemUTC());
        for (int i = 0; i < 4; i++) {
            Cli.Run requested = client("agent", "request", "--action", "db.export", "--resource-type", "postgres.table",
                    "--resource", "prod/t" + i, "--env", "prod", "--summary", "Export " + i, "--json");
            assertThat(requested.exit()).isIn(ExitCode.OK, ExitCode.STILL_PENDING);
        }
        server.checkpointer().sign();
        key = work.resolve("log.vkey");
        Cli.Run printed = run("audit", "key", "--config", config.toString());
        assertThat(printed.exit()).isEqualTo(ExitCode.OK);
        Files.writeString(key, printed.out());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static Cli.Run run(String... args) {
        return Cli.run(args);
    }

    private Cli.Run client(String who, String... args) {
        List<String> full = new ArrayList<>(List.of(args));
        full.addAll(List.of("--server", "http://127.0.0.1:" + server.port(), "--token",
                ConfigDirectory.demoKey(config, "COUNTERSIGN_" + who.toUpperCase() + "_KEY")));
        return run(full.toArray(String[]::new));
    }

    private Path export() throws Exception {
        Path file = work.resolve("log.jsonl");
        Cli.Run exported = client("alice", "audit", "export", "--format", "jsonl", "-o", file.toString(),
                "--checkpoint", work.resolve("log.checkpoint").toString());
        assertThat(exported.exit()).as(exported.err()).isEqualTo(ExitCode.OK);
        return file;
    }

    private Cli.Run verifyExport(Path entries) {
        return client("alice", "audit", "verify", "--key", key.toString(), "--entries", entries.toString(),
                "--checkpoint", work.resolve("log.checkpoint").toString());
    }

    private Path rewrite(Path file, java.util.function.UnaryOperator<List<String>> change) throws Exception {
        Path tampered = work.resolve("tampered.jsonl");
        Files.write(tampered, change.apply(new ArrayList<>(Files.readAllLines(file))));
        return tampered;
    }

    @Test
    void theKeyIsPrintedInGoNoteFormat() {
        assertThat(run("audit", "key", "--config", config.toString()).out().strip())
                .matches("countersign\\.local/log-[0-9a-f]{8}\\+[0-9a-f]{8}\\+[A-Za-z0-9+/]{44}");
        Cli.Run missing = run("audit", "key", "--config", work.resolve("nowhere").toString());
        assertThat(missing.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(missing.err()).contains("creates it on first start");
    }

    @Test
    void theLiveLogVerifiesAndAnOlderCheckpointIsContained() throws Exception {
        Path older = work.resolve("older.checkpoint");
        Files.writeString(older, client("alice", "audit", "checkpoint").out());
        client("agent", "request", "--action", "db.read", "--resource-type", "t", "--resource", "x", "--summary", "more");
        server.checkpointer().sign();
        Cli.Run verified = client("alice", "audit", "verify", "--key", key.toString(), "--older", older.toString());
        assertThat(verified.exit()).as(verified.err()).isEqualTo(ExitCode.OK);
        assertThat(verified.out()).contains("verified: log countersign.local/log-").contains("contains the earlier checkpoint");
    }

    @Test
    void anUntouchedExportVerifiesOffline() throws Exception {
        Path file = export();
        Cli.Run verified = verifyExport(file);
        assertThat(verified.exit()).as(verified.err()).isEqualTo(ExitCode.OK);
        long lines = Files.readAllLines(file).size();
        assertThat(verified.out()).contains(lines + " entries");
    }

    @Test
    void anExportReformattedByAnotherToolStillVerifies() throws Exception {
        Path reformatted = rewrite(export(), lines -> lines.stream().map(line -> {
            var record = Json.parse(line);
            var reordered = Json.object();
            reordered.set("entry", record.get("entry"));
            reordered.set("index", record.get("index"));
            return Json.text(reordered);
        }).toList());
        Cli.Run verified = verifyExport(reformatted);
        assertThat(verified.exit()).as(verified.err()).isEqualTo(ExitCode.OK);
    }

    @Test
    void aFlippedByteIsFoundAtItsIndex() throws Exception {
        int[] at = new int[1];
        Path tampered = rewrite(export(), lines -> {
            at[0] = requestOf(lines, "Export 1");
            lines.set(at[0], lines.get(at[0]).replace("Export 1", "Export 7"));
            return lines;
        });
        Cli.Run verified = verifyExport(tampered);
        assertThat(verified.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(verified.err()).contains("entry " + at[0] + " was altered").contains("first bad index: " + at[0]);
    }

    @Test
    void aFlippedByteWithARecomputedLeafHashStillFailsAgainstTheSignedRoot() throws Exception {
        Path tampered = rewrite(export(), lines -> {
            int at = requestOf(lines, "Export 1");
            var record = (tools.jackson.databind.node.ObjectNode) Json.parse(lines.get(at));
            ((tools.jackson.databind.node.ObjectNode) record.get("entry").get("detail")).put("summary", "Export 7");
            byte[] entry = io.countersign.json.CanonicalJson.encode(record.get("entry"));
            lines.set(at, ExportFile.record(at, entry));
            return lines;
        });
        Cli.Run verified = verifyExport(tampered);
        assertThat(verified.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(verified.err()).contains("do not match the checkpoint signed at size");
    }

    /** The index of the export line that records the request summarized {@code summary}. */
    private static int requestOf(List<String> lines, String summary) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("\"summary\":\"" + summary + "\"")) {
                return i;
            }
        }
        throw new AssertionError("no request '" + summary + "' in the export");
    }

    @Test
    void aDeletedEntryIsNamed() throws Exception {
        Path tampered = rewrite(export(), lines -> {
            lines.remove(2);
            return lines;
        });
        Cli.Run verified = verifyExport(tampered);
        assertThat(verified.err()).contains("entry 2 is missing").contains("first bad index: 2");
    }

    @Test
    void reorderedEntriesAreNamed() throws Exception {
        Path tampered = rewrite(export(), lines -> {
            String second = lines.get(2);
            lines.set(2, lines.get(3));
            lines.set(3, second);
            return lines;
        });
        Cli.Run verified = verifyExport(tampered);
        assertThat(verified.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(verified.err()).contains("entry 2 is missing").contains("next entry present is 3");
    }

    @Test
    void aTruncatedExportIsNamed() throws Exception {
        Path file = export();
        int total = Files.readAllLines(file).size();
        Path tampered = rewrite(file, lines -> lines.subList(0, total - 2));
        Cli.Run verified = verifyExport(tampered);
        assertThat(verified.err()).contains("truncated").contains("entries " + (total - 2) + " to " + (total - 1) + " are gone");
    }

    @Test
    void aCheckpointSignedByAnotherKeyIsRefused() throws Exception {
        Path file = export();
        Path checkpoint = work.resolve("log.checkpoint");
        String note = Files.readString(checkpoint);
        LogKey other = LogKey.generate(note.substring(0, note.indexOf('\n')));
        Files.writeString(checkpoint, SignedNote.sign(note.substring(0, note.lastIndexOf("\n\n") + 1), other));
        Cli.Run verified = verifyExport(file);
        assertThat(verified.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(verified.err()).contains("checkpoint: no signature from a trusted key");
    }

    @Test
    void aCheckpointSmallerThanOneAlreadySeenIsARollback() throws Exception {
        Path older = work.resolve("older.checkpoint");
        Path file = export();
        client("agent", "request", "--action", "db.read", "--resource-type", "t", "--resource", "x", "--summary", "more");
        server.checkpointer().sign();
        Files.writeString(older, client("alice", "audit", "checkpoint").out());
        Cli.Run verified = client("alice", "audit", "verify", "--key", key.toString(), "--entries", file.toString(),
                "--checkpoint", work.resolve("log.checkpoint").toString(), "--older", older.toString());
        assertThat(verified.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(verified.err()).contains("smaller than one already seen").contains("rolled back");
    }

    @Test
    void anActionProofIsFetchedVerifiedAndCheckedOffline() throws Exception {
        Cli.Run listed = client("alice", "ls", "--json");
        String id = Json.parse(listed.out()).path("actions").get(0).path("id").asString();
        Path proof = work.resolve("action.tlog-proof");
        Cli.Run fetched = client("agent", "audit", "proof", id, "--key", key.toString(), "-o", proof.toString());
        assertThat(fetched.exit()).as(fetched.err()).isEqualTo(ExitCode.OK);
        assertThat(Files.readString(proof)).startsWith("c2sp.org/tlog-proof@v1\nextra ");
        Cli.Run checked = run("audit", "verify", "--key", key.toString(), "--proof", proof.toString());
        assertThat(checked.exit()).as(checked.err()).isEqualTo(ExitCode.OK);
        assertThat(checked.out()).contains("action.decided of " + id);
        Files.writeString(proof, Files.readString(proof).replaceFirst("index (\\d+)", "index 0"));
        Cli.Run moved = run("audit", "verify", "--key", key.toString(), "--proof", proof.toString());
        assertThat(moved.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(moved.err()).contains("audit verify FAILED: the proof");
    }

    @Test
    void ocsfExportCarriesTheLogCoordinates() throws Exception {
        Cli.Run exported = client("alice", "audit", "export", "--format", "ocsf");
        List<String> lines = exported.out().lines().toList();
        var decided = lines.stream().map(Json::parse).filter(e -> e.path("message").asString().equals("action.decided")).findFirst().orElseThrow();
        assertThat(decided.path("class_uid").asInt()).isEqualTo(6003);
        assertThat(decided.path("type_uid").asInt()).isEqualTo(600303);
        assertThat(decided.path("disposition_id").asInt()).isIn(1, 2, 14);
        assertThat(decided.path("unmapped").path("log_index").asLong()).isPositive();
        assertThat(decided.path("unmapped").path("leaf_hash").asString()).hasSize(44);
        assertThat(client("alice", "audit", "export", "--format", "cef").err()).contains("--format must be jsonl or ocsf");

        // With the server's identities, an agent's request names the agent as the application that acted.
        Cli.Run known = client("alice", "audit", "export", "--format", "ocsf", "--identities", config.resolve("identities.yaml").toString());
        var requested = known.out().lines().map(Json::parse).filter(e -> e.path("message").asString().equals("action.requested"))
                .filter(e -> e.path("actor").path("user").path("uid").asString().equals("deploy-agent")).findFirst().orElseThrow();
        assertThat(requested.path("actor").path("user").path("type").asString()).isEqualTo("Service");
        assertThat(requested.path("actor").path("app_uid").asString()).isEqualTo("deploy-agent");
        Cli.Run missing = client("alice", "audit", "export", "--format", "ocsf", "--identities", config.resolve("none.yaml").toString());
        assertThat(missing.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(missing.err()).contains("none.yaml: cannot read");
    }
}
