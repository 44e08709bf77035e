package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.audit.AuditEntry;
import io.countersign.audit.NoteVerifier;
import io.countersign.audit.ProofVerifier;
import io.countersign.audit.Rfc6962;
import io.countersign.audit.SignedCheckpoint;
import io.countersign.audit.TlogProof;
import io.countersign.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The audit log over HTTP: what an auditor, a tile client and an agent holding a proof each see. */
class AuditApiTest {
    @TempDir
    Path dir;

    TestServer server;
    NoteVerifier key;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(dir);
        key = io.countersign.audit.LogKey.parse(Files.readString(dir.resolve("audit/log.key"))).verifier();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private SignedCheckpoint checkpoint() throws Exception {
        TestServer.Raw raw = server.getRaw("alice", "/v1/audit/checkpoint");
        assertThat(raw.status()).isEqualTo(200);
        assertThat(raw.contentType()).startsWith("text/plain");
        return SignedCheckpoint.open(raw.text(), key);
    }

    private static List<byte[]> hashes(JsonNode body) {
        List<byte[]> hashes = new ArrayList<>();
        body.path("hashes").values().forEach(h -> hashes.add(Rfc6962.fromBase64(h.asString())));
        return hashes;
    }

    @Test
    void everyStepOfAnApprovalIsInTheLogAndItsProofVerifiesOffline() throws Exception {
        var submitted = server.post("agent", "/v1/actions", TestServer.piiExport("CHG-1"));
        String id = submitted.id();
        assertThat(server.review("alice", id, "approve", "checked the ticket").status()).isEqualTo(200);
        var bob = server.review("bob", id, "approve", "data owner ok");
        assertThat(bob.body().path("status").asString()).isEqualTo("approved");

        // The requester itself may fetch the proof of its own action, and verify it with the log's key alone.
        TestServer.Raw raw = server.getRaw("agent", "/v1/actions/" + id + "/proof");
        assertThat(raw.status()).isEqualTo(200);
        TlogProof proof = TlogProof.parse(raw.text());
        var checkpointed = proof.verify(key, null);
        JsonNode entry = Json.parse(proof.entryText());
        assertThat(entry.path("type").asString()).isEqualTo("action.approved");
        assertThat(entry.path("action_id").asString()).isEqualTo(id);
        assertThat(entry.path("actor").asString()).isEqualTo("bob");
        assertThat(entry.path("detail").path("digest").asString()).isEqualTo(submitted.body().path("digest").asString());
        assertThat(checkpointed.size()).isGreaterThan(proof.index());

        // The whole story, entry by entry, with justification and digest.
        List<String> types = new ArrayList<>();
        for (long i = 0; i < checkpointed.size(); i++) {
            var e = server.get("alice", "/v1/audit/entries/" + i);
            assertThat(e.status()).isEqualTo(200);
            assertThat(e.body().path("leaf_hash").asString()).isEqualTo(Rfc6962.base64(Rfc6962.leafHash(
                    io.countersign.json.CanonicalJson.encode(e.body().path("entry")))));
            if (id.equals(e.body().path("entry").path("action_id").asString())) {
                types.add(e.body().path("entry").path("type").asString());
            }
        }
        assertThat(types).containsExactly("action.requested", "action.decided", "review.submitted", "review.submitted", "action.approved");
        assertThat(server.get("alice", "/v1/audit/entries/" + (proof.index() - 2)).body().path("entry").path("detail")
                .path("justification").asString()).isEqualTo("checked the ticket");
    }

    @Test
    void inclusionAndConsistencyProofsVerifyAgainstSignedCheckpoints() throws Exception {
        server.post("agent", "/v1/actions", TestServer.request("db.read", "dev", ""));
        SignedCheckpoint older = server.node().checkpointer().sign();
        for (int i = 0; i < 5; i++) {
            server.post("agent", "/v1/actions", TestServer.request("test.race", "dev", ", \"idempotency_key\": \"k" + i + "\""));
        }
        SignedCheckpoint newer = server.node().checkpointer().sign();
        assertThat(checkpoint().checkpoint()).isEqualTo(newer.checkpoint());

        var consistency = server.get("alice", "/v1/audit/proof/consistency?from=" + older.size() + "&to=" + newer.size());
        assertThat(consistency.status()).isEqualTo(200);
        ProofVerifier.verifyConsistency(older.size(), newer.size(), older.checkpoint().root(), newer.checkpoint().root(),
                hashes(consistency.body()));

        for (long index = 0; index < newer.size(); index++) {
            var inclusion = server.get("alice", "/v1/audit/proof/inclusion?index=" + index + "&size=" + newer.size());
            byte[] leaf = Rfc6962.fromBase64(server.get("alice", "/v1/audit/entries/" + index).body().path("leaf_hash").asString());
            ProofVerifier.verifyInclusion(index, newer.size(), leaf, hashes(inclusion.body()), newer.checkpoint().root());
        }
    }

    @Test
    void tilesFollowTlogTiles() throws Exception {
        for (int i = 0; i < 3; i++) {
            server.post("agent", "/v1/actions", TestServer.request("db.read", "dev", ", \"idempotency_key\": \"t" + i + "\""));
        }
        SignedCheckpoint signed = server.node().checkpointer().sign();
        int width = (int) signed.size();
        TestServer.Raw bundle = server.getRaw("alice", "/v1/audit/tile/entries/000.p/" + width);
        TestServer.Raw hashes = server.getRaw("alice", "/v1/audit/tile/0/000.p/" + width);
        assertThat(bundle.status()).isEqualTo(200);
        assertThat(hashes.body()).hasSize(32 * width);
        // Entry i of the bundle hashes to hash i of the level-0 tile.
        byte[] data = bundle.body();
        int at = 0;
        for (int i = 0; i < width; i++) {
            int length = ((data[at] & 0xff) << 8) | (data[at + 1] & 0xff);
            byte[] entry = Arrays.copyOfRange(data, at + 2, at + 2 + length);
            at += 2 + length;
            assertThat(Rfc6962.leafHash(entry)).isEqualTo(Arrays.copyOfRange(hashes.body(), 32 * i, 32 * i + 32));
            AuditEntry.decode(entry);
        }
        assertThat(at).isEqualTo(data.length);
        assertThat(server.getRaw("alice", "/v1/audit/tile/0/000").status()).isEqualTo(404);
        assertThat(server.getRaw("alice", "/v1/audit/tile/0/000.p/" + (width + 1)).status()).isEqualTo(404);
    }

    @Test
    void badInputIsNamedAndTheLogIsForHumans() {
        var agent = server.get("agent", "/v1/audit/entries/0");
        assertThat(agent.status()).isEqualTo(403);
        var negative = server.get("alice", "/v1/audit/proof/inclusion?index=-1&size=1");
        assertThat(negative.status()).isEqualTo(400);
        assertThat(negative.body().path("error").path("field").asString()).isEqualTo("index");
        var tooBig = server.get("alice", "/v1/audit/proof/inclusion?index=0&size=99999");
        assertThat(tooBig.status()).isEqualTo(400);
        assertThat(tooBig.body().path("error").path("field").asString()).isEqualTo("size");
        var backwards = server.get("alice", "/v1/audit/proof/consistency?from=2&to=1");
        assertThat(backwards.body().path("error").path("field").asString()).isEqualTo("from");
        var badTile = server.get("alice", "/v1/audit/tile/0/1234");
        assertThat(badTile.status()).isEqualTo(400);
        assertThat(badTile.body().path("error").path("message").asString()).contains("three digits");
        assertThat(server.get("alice", "/v1/audit/entries/99999").status()).isEqualTo(404);
        assertThat(server.get("carol", "/v1/actions/act_00000000000000000000000000000000/proof").status()).isEqualTo(404);
    }

    @Test
    void whenTheLogCannotBeWrittenNothingIsAllowedAndTheCallerGets503() throws Exception {
        var before = server.post("agent", "/v1/actions", TestServer.request("db.read", "dev", ""));
        assertThat(before.status()).isEqualTo(200);
        String db = dir.resolve("data/countersign.db").toString();
        try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
             var statement = connection.createStatement()) {
            // The disk refuses the tree hashes of any new leaf.
            statement.execute("CREATE TRIGGER refuse_leaves BEFORE INSERT ON audit_hashes BEGIN SELECT RAISE(ABORT, 'disk full'); END");
        }
        var refused = server.post("agent", "/v1/actions", TestServer.request("db.read", "dev", ", \"idempotency_key\": \"after\""));
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.error()).isEqualTo("store_unavailable");
        assertThat(refused.body().toString()).doesNotContain("Exception").doesNotContain("at io.countersign");
        var listed = server.get("agent", "/v1/actions?limit=10");
        assertThat(listed.ids()).containsExactly(before.id());
        try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
             var statement = connection.createStatement()) {
            statement.execute("DROP TRIGGER refuse_leaves");
        }
        assertThat(server.post("agent", "/v1/actions", TestServer.request("db.read", "dev", ", \"idempotency_key\": \"later\"")).status())
                .isEqualTo(200);
    }

    @Test
    void theKeyIsOwnerOnlyAndTheCheckpointSurvivesARestart() throws Exception {
        assertThat(Files.getPosixFilePermissions(dir.resolve("audit/log.key")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        server.post("agent", "/v1/actions", TestServer.request("db.read", "dev", ""));
        SignedCheckpoint before = server.node().checkpointer().sign();
        server.restart();
        assertThat(checkpoint().size()).isGreaterThanOrEqualTo(before.size());
        assertThat(Files.readString(dir.resolve("audit/checkpoint"), StandardCharsets.UTF_8)).isEqualTo(server.node().checkpointer().latest().note());
    }
}
