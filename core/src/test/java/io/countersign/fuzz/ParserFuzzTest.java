package io.countersign.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.audit.Checkpoint;
import io.countersign.audit.LogKey;
import io.countersign.audit.ProofVerifier;
import io.countersign.audit.RootBuilder;
import io.countersign.audit.SignedNote;
import io.countersign.audit.TlogProof;
import io.countersign.json.ActionRequestJson;
import io.countersign.json.Json;
import io.countersign.model.InvalidInputException;
import io.countersign.policy.PolicyException;
import io.countersign.policy.PolicyLoader;
import io.countersign.testing.Fuzzing;
import io.countersign.testing.Mutations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Every parser that takes outside input, fed mutants of valid input: each either accepts or refuses with
 * its own documented error (which the API turns into a 4xx naming the problem), never anything else; and
 * a signed note or proof that was changed never verifies as something it does not say. CI runs jqwik's
 * default number of tries from {@link Fuzzing#SEED}; a longer run goes on along the same stream:
 * {@code bin/test -pl core -am -Dtest=ParserFuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Djqwik.tries.default=200000}.
 * A failure found so becomes a regression test of its own ({@code SignedCheckpointTest}), checked on every run after.
 */
class ParserFuzzTest {
    private static final List<String> ACTION_REQUESTS = List.of("""
            {"action": "db.export",
             "resource": {"type": "postgres.table", "id": "prod/customers", "env": "prod", "labels": {"data_class": "pii"}},
             "intent": {"summary": "Export customers for churn model", "reason": "quarterly", "ticket": "OPS-42"},
             "payload": {"sql": "COPY customers TO STDOUT", "rows": [1, 2.5, -3e2, true, null]},
             "context": {"rows_estimate": 1200000, "agent_run": "run-77", "on_behalf_of": "alice@example.com"},
             "idempotency_key": "run-77-step-3", "callback_url": "https://agents.example/runs/77"}""",
            """
            {"action":"aws.iam.attach_policy","resource":{"type":"aws.iam.role","id":"deployer"},"intent":{"summary":"x"},"payload":{"policy_arn":"arn:aws:iam::aws:policy/AdministratorAccess"}}""");

    @Property(seed = Fuzzing.SEED)
    void actionRequestsParseOrAreRefusedWithTheField(@ForAll("actionRequests") String body) {
        try {
            ActionRequestJson.fromJson(Json.parse(body.getBytes(StandardCharsets.UTF_8)));
        } catch (InvalidInputException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            assertThat(refused.code()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<String> actionRequests() {
        return Mutations.of(ACTION_REQUESTS);
    }

    private static final String POLICY = """
            version: 1
            default: require_approval
            defaults:
              approvals: {min: 1, from: [sre]}
              ttl: 1h
            rules:
              - id: prod-pii-export
                description: Exports of PII from production need two approvers and a ticket
                when: action.startsWith("db.export") && has(resource.env) && resource.env == "prod" && resource.labels.data_class == "pii"
                effect: require_approval
                approvals: {min: 2, from: [sre, data-owners]}
                require: has(intent.ticket)
                justification: required
                ttl: 15m
                notify: [slack:C0PROD]
                controls: [soc2:CC6.1, nist-800-53:AC-3(2)]
              - id: no-admin-grants
                when: action == "aws.iam.attach_policy" && has(payload.policy_arn) && payload.policy_arn.endsWith("/AdministratorAccess")
                effect: deny
            """;

    @Property(tries = 300, seed = Fuzzing.SEED)
    void policiesLoadOrAreRefusedWithFileAndReason(@ForAll("policies") String yaml) throws IOException {
        Path directory = Files.createTempDirectory("countersign-fuzz-policy");
        try {
            Files.write(directory.resolve("fuzz.yaml"), yaml.getBytes(StandardCharsets.UTF_8));
            try {
                new PolicyLoader(Set.of("sre", "data-owners")).load(directory);
            } catch (PolicyException refused) {
                assertThat(refused.getMessage()).contains("fuzz.yaml");
            }
        } finally {
            Files.deleteIfExists(directory.resolve("fuzz.yaml"));
            Files.deleteIfExists(directory);
        }
    }

    @Provide
    Arbitrary<String> policies() {
        return Mutations.of(List.of(POLICY));
    }

    private static final LogKey KEY = LogKey.generate("log.example/fuzz");
    private static final Checkpoint CHECKPOINT;
    private static final String NOTE;
    private static final String PROOF;

    static {
        List<byte[]> leaves = new ArrayList<>();
        RootBuilder root = new RootBuilder();
        for (int i = 0; i < 11; i++) {
            byte[] leaf = io.countersign.audit.Rfc6962.leafHash(("entry " + i).getBytes(StandardCharsets.UTF_8));
            leaves.add(leaf);
            root.add(leaf);
        }
        CHECKPOINT = new Checkpoint(KEY.name(), 11, root.root());
        NOTE = SignedNote.sign(CHECKPOINT.body(), KEY);
        PROOF = new TlogProof("entry 6".getBytes(StandardCharsets.UTF_8), 6, proofFor(leaves, 6), NOTE).text();
    }

    /** The inclusion proof of leaf {@code index}, computed from the leaves alone (RFC 6962 §2.1.1). */
    private static List<byte[]> proofFor(List<byte[]> leaves, int index) {
        if (leaves.size() <= 1) {
            return new ArrayList<>();
        }
        int split = Integer.highestOneBit(leaves.size() - 1);
        List<byte[]> proof;
        if (index < split) {
            proof = proofFor(leaves.subList(0, split), index);
            proof.add(rootOf(leaves.subList(split, leaves.size())));
        } else {
            proof = proofFor(leaves.subList(split, leaves.size()), index - split);
            proof.add(rootOf(leaves.subList(0, split)));
        }
        return proof;
    }

    private static byte[] rootOf(List<byte[]> leaves) {
        RootBuilder root = new RootBuilder();
        leaves.forEach(root::add);
        return root.root();
    }

    @Property(seed = Fuzzing.SEED)
    void aChangedCheckpointNeverVerifiesAsSomethingElse(@ForAll("notes") String note) {
        SignedNote.Verified verified;
        try {
            verified = SignedNote.open(note, List.of(KEY.verifier()));
        } catch (SignedNote.NoteException refused) {
            return;
        }
        // What verifies is exactly what was signed.
        assertThat(verified.text()).isEqualTo(CHECKPOINT.body());
        assertThat(Checkpoint.parse(verified.text())).isEqualTo(CHECKPOINT);
    }

    @Provide
    Arbitrary<String> notes() {
        return Mutations.of(List.of(NOTE));
    }

    @Property(seed = Fuzzing.SEED)
    void aChangedProofNeverProvesSomethingElse(@ForAll("proofs") String text) {
        TlogProof proof;
        try {
            proof = TlogProof.parse(text);
        } catch (IllegalArgumentException refused) {
            return;
        }
        Checkpoint checkpoint;
        try {
            checkpoint = proof.verify(KEY.verifier(), null);
        } catch (ProofVerifier.ProofException refused) {
            return;
        }
        assertThat(checkpoint).isEqualTo(CHECKPOINT);
        assertThat(proof.index()).isEqualTo(6);
        assertThat(proof.entryText()).isEqualTo("entry 6");
    }

    @Provide
    Arbitrary<String> proofs() {
        return Mutations.of(List.of(PROOF));
    }

    @Property(seed = Fuzzing.SEED)
    void checkpointBodiesParseOrAreRefused(@ForAll("checkpoints") String body) {
        try {
            Checkpoint parsed = Checkpoint.parse(body);
            assertThat(parsed.body()).isEqualTo(body.substring(0, parsed.body().length()));
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<String> checkpoints() {
        return Mutations.of(List.of(CHECKPOINT.body()));
    }
}
