package io.countersign.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.countersign.audit.Checkpoint;
import io.countersign.audit.NoteVerifier;
import io.countersign.audit.ProofVerifier;
import io.countersign.audit.Rfc6962;
import io.countersign.audit.RootBuilder;
import io.countersign.audit.SignedNote;
import io.countersign.audit.TlogProof;
import io.countersign.json.ActionRequestJson;
import io.countersign.json.Json;
import io.countersign.model.InvalidInputException;
import io.countersign.policy.PolicyException;
import io.countersign.policy.PolicyLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every parser that takes outside input, under coverage-guided fuzzing (Jazzer): each input is either
 * accepted or refused with the parser's own documented error (which the API turns into a 4xx naming the
 * problem), never anything else; and a signed note or proof that was changed never verifies as something
 * it does not say.
 *
 * <p>{@code bin/test} runs these in regression mode: every input under
 * {@code src/test/resources/io/countersign/fuzz/ParserFuzzTestInputs/<method>/} (valid seeds, and inputs
 * fuzzing found failing), checked on every build. CONTRIBUTING.md has the
 * command for a longer run; an input that fails is saved in that directory and so becomes a regression
 * test of its own.
 */
class ParserFuzzTest {
    private static Path policyDirectory;

    @BeforeAll
    static void createPolicyDirectory() throws IOException {
        policyDirectory = Files.createTempDirectory("countersign-fuzz-policy");
    }

    @AfterAll
    static void deletePolicyDirectory() throws IOException {
        Files.deleteIfExists(policyDirectory.resolve("fuzz.yaml"));
        Files.deleteIfExists(policyDirectory);
    }

    @FuzzTest(maxDuration = "10m")
    void actionRequests(byte[] body) {
        try {
            ActionRequestJson.fromJson(Json.parse(body));
        } catch (InvalidInputException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            assertThat(refused.code()).isNotBlank();
        }
    }

    @FuzzTest(maxDuration = "10m")
    void policies(byte[] yaml) throws IOException {
        Files.write(policyDirectory.resolve("fuzz.yaml"), yaml);
        try {
            new PolicyLoader(Set.of("sre", "data-owners")).load(policyDirectory);
        } catch (PolicyException refused) {
            assertThat(refused.getMessage()).contains("fuzz.yaml");
        }
    }

    /** The key the checked-in notes and proofs were signed with (a test key made for them, its private half discarded). */
    private static final NoteVerifier VERIFIER = NoteVerifier.parse("log.example/fuzz+84402121+AUHOa7GGXeHOlbFFUDsgsQP/kBmf8MVVb0762RSvjrll");
    /** What they sign: a tree of the eleven entries "entry 0" to "entry 10". */
    private static final Checkpoint CHECKPOINT;

    static {
        RootBuilder root = new RootBuilder();
        for (int i = 0; i < 11; i++) {
            root.add(Rfc6962.leafHash(("entry " + i).getBytes(StandardCharsets.UTF_8)));
        }
        CHECKPOINT = new Checkpoint("log.example/fuzz", 11, root.root());
    }

    @FuzzTest(maxDuration = "10m")
    void signedNotes(byte[] input) {
        SignedNote.Verified verified;
        try {
            verified = SignedNote.open(new String(input, StandardCharsets.UTF_8), List.of(VERIFIER));
        } catch (SignedNote.NoteException refused) {
            return;
        }
        // What verifies is exactly what was signed.
        assertThat(verified.text()).isEqualTo(CHECKPOINT.body());
        assertThat(Checkpoint.parse(verified.text())).isEqualTo(CHECKPOINT);
    }

    @FuzzTest(maxDuration = "10m")
    void proofs(byte[] input) {
        TlogProof proof;
        try {
            proof = TlogProof.parse(new String(input, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException refused) {
            return;
        }
        Checkpoint checkpoint;
        try {
            checkpoint = proof.verify(VERIFIER, null);
        } catch (ProofVerifier.ProofException refused) {
            return;
        }
        assertThat(checkpoint).isEqualTo(CHECKPOINT);
        assertThat(proof.index()).isEqualTo(6);
        assertThat(proof.entryText()).isEqualTo("entry 6");
    }

    @FuzzTest(maxDuration = "10m")
    void checkpoints(byte[] input) {
        String body = new String(input, StandardCharsets.UTF_8);
        try {
            Checkpoint parsed = Checkpoint.parse(body);
            assertThat(parsed.body()).isEqualTo(body.substring(0, parsed.body().length()));
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
    }
}
