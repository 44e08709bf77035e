package io.countersign.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SignedCheckpointTest {
    private static final String VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    private static final String NOTE = "This is an example message.\n\n\u2014 example.com/foo "
            + "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    @Test
    void verifiesTheC2spSignedNoteVector() throws Exception {
        SignedNote.Verified verified = SignedNote.open(NOTE, List.of(NoteVerifier.parse(VKEY)));
        assertThat(verified.text()).isEqualTo("This is an example message.\n");
        assertThat(verified.signers()).containsExactly("example.com/foo");
    }

    @Test
    void rejectsTheVectorWithAnAlteredText() {
        String altered = NOTE.replace("example message", "exemple message");
        assertThatThrownBy(() -> SignedNote.open(altered, List.of(NoteVerifier.parse(VKEY))))
                .hasMessageContaining("does not verify");
    }

    @Test
    void aRootSpelledOtherThanCanonicallyIsRefused() {
        // Regression from ParserFuzzTest: the root without its '=' padding was accepted.
        Checkpoint checkpoint = new Checkpoint("log.example/a", 11, Rfc6962.sha256("x".getBytes()));
        String unpadded = checkpoint.body().replace("=\n", "\n");
        assertThat(unpadded).isNotEqualTo(checkpoint.body());
        assertThatThrownBy(() -> Checkpoint.parse(unpadded)).hasMessageContaining("not canonical base64");
        assertThat(Checkpoint.parse(checkpoint.body())).isEqualTo(checkpoint);
    }

    @Test
    void aNoteEndingInABlankLineIsRefusedNotACrash() {
        // Regression from ParserFuzzTest: no signature lines after the last blank line.
        String unsigned = "log.example/a\n11\nMpIghwdLQvu/Ojo2cjqyeCX9m62x4pvd68P+qD6ewE0=\n\n";
        assertThatThrownBy(() -> SignedNote.open(unsigned, List.of(NoteVerifier.parse(VKEY))))
                .isInstanceOf(SignedNote.NoteException.class).hasMessageContaining("no signature lines");
    }

    @Test
    void aSignatureLineWithoutANameIsRefusedNotACrash() {
        // Regression from ParserFuzzTest: the line's only space was the one after the dash.
        String nameless = NOTE.substring(0, NOTE.indexOf("\u2014 ")) + "\u2014 MpIghwdLQvu\n";
        assertThatThrownBy(() -> SignedNote.open(nameless, List.of(NoteVerifier.parse(VKEY))))
                .isInstanceOf(SignedNote.NoteException.class).hasMessageContaining("malformed signature line");
    }

    @Test
    void keyIdsAndFormatsRoundTripLikeGosNotePackage() throws Exception {
        LogKey key = LogKey.generate("audit.example.com/log");
        LogKey reread = LogKey.parse(key.privateKeyText());
        assertThat(reread.verifierKey()).isEqualTo(key.verifierKey());
        assertThat(key.verifierKey()).matches("audit\\.example\\.com/log\\+[0-9a-f]{8}\\+[A-Za-z0-9+/]{44}");
        Checkpoint checkpoint = new Checkpoint(key.name(), 7, Rfc6962.EMPTY_ROOT);
        String note = SignedNote.sign(checkpoint.body(), key);
        assertThat(note).startsWith("audit.example.com/log\n7\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n\u2014 audit.example.com/log ");
        SignedCheckpoint opened = SignedCheckpoint.open(note, NoteVerifier.parse(key.verifierKey()));
        assertThat(opened.checkpoint()).isEqualTo(checkpoint);
    }

    @Test
    void aCheckpointSignedByAnotherKeyIsRefused() {
        LogKey ours = LogKey.generate("audit.example.com/log");
        LogKey theirs = LogKey.generate("audit.example.com/log");
        String note = SignedNote.sign(new Checkpoint(ours.name(), 1, Rfc6962.EMPTY_ROOT).body(), theirs);
        assertThatThrownBy(() -> SignedCheckpoint.open(note, ours.verifier()))
                .hasMessageContaining("no signature from a trusted key");
    }

    @Test
    void malformedKeysAreRefusedWithoutEchoingTheSecret() {
        LogKey key = LogKey.generate("log");
        String text = key.privateKeyText();
        String tampered = text.substring(0, text.length() - 4) + "AAA=";
        assertThatThrownBy(() -> LogKey.parse(tampered)).hasMessageNotContaining(text.substring("PRIVATE+KEY+".length()).split("\\+", 3)[2]);
        assertThatThrownBy(() -> NoteVerifier.parse("log+00000000+" + key.verifierKey().split("\\+", 3)[2]))
                .hasMessageContaining("does not match");
    }

    @Test
    void tilePathsUseGroupsOfThreeDigits() {
        assertThat(new TilePath(0, 1234067, 256).path()).isEqualTo("tile/0/x001/x234/067");
        assertThat(new TilePath(TilePath.ENTRIES, 5, 17).path()).isEqualTo("tile/entries/005.p/17");
        assertThat(TilePath.parse("0/x001/x234/067")).isEqualTo(new TilePath(0, 1234067, 256));
        assertThat(TilePath.parse("entries/005.p/17")).isEqualTo(new TilePath(TilePath.ENTRIES, 5, 17));
        assertThat(TilePath.parse("2/000")).isEqualTo(new TilePath(2, 0, 256));
        assertThatThrownBy(() -> TilePath.parse("0/1234")).hasMessageContaining("three digits");
        assertThatThrownBy(() -> TilePath.parse("0/000.p/256")).hasMessageContaining("width");
    }

    @Test
    void tlogProofRoundTripsAndVerifies() throws Exception {
        LogKey key = LogKey.generate("log.example/a");
        MerkleTreeTest.MemoryTree tree = new MerkleTreeTest.MemoryTree();
        for (int i = 0; i < 11; i++) {
            tree.add(MerkleTreeTest.entry(i));
        }
        Checkpoint checkpoint = new Checkpoint(key.name(), 11, TreeMath.treeHash(11, tree::read));
        TlogProof proof = new TlogProof(MerkleTreeTest.entry(6), 6, TreeMath.inclusionProof(6, 11, tree::read),
                SignedNote.sign(checkpoint.body(), key));
        TlogProof parsed = TlogProof.parse(proof.text());
        assertThat(parsed.verify(key.verifier(), null)).isEqualTo(checkpoint);
        assertThatThrownBy(() -> parsed.verify(key.verifier(), MerkleTreeTest.entry(5)))
                .hasMessageContaining("not in this tree");
    }
}
