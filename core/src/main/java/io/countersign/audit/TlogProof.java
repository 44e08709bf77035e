package io.countersign.audit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A C2SP {@code tlog-proof@v1} file: an inclusion proof for one entry together with the signed
 * checkpoint it leads to, verifiable offline. Countersign puts the entry itself in the {@code extra}
 * line, so the file alone shows what was decided and proves it is in the log.
 */
public record TlogProof(byte[] extra, long index, List<byte[]> proof, String signedCheckpoint) {
    public static final String MAGIC = "c2sp.org/tlog-proof@v1";

    public String text() {
        StringBuilder out = new StringBuilder(MAGIC).append('\n');
        if (extra != null) {
            out.append("extra ").append(Base64.getEncoder().encodeToString(extra)).append('\n');
        }
        out.append("index ").append(index).append('\n');
        proof.forEach(hash -> out.append(Rfc6962.base64(hash)).append('\n'));
        return out.append('\n').append(signedCheckpoint).toString();
    }

    public static TlogProof parse(String text) {
        String[] lines = text.split("\n", -1);
        int at = 0;
        if (lines.length < 4 || !lines[at++].equals(MAGIC)) {
            throw new IllegalArgumentException("not a tlog proof: the first line must be " + MAGIC);
        }
        byte[] extra = null;
        if (lines[at].startsWith("extra ")) {
            try {
                extra = Base64.getDecoder().decode(lines[at++].substring(6));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the proof's extra line is not base64");
            }
        }
        if (!lines[at].matches("index (0|[1-9][0-9]{0,18})")) {
            throw new IllegalArgumentException("line " + (at + 1) + " of the proof must be 'index <n>'");
        }
        long index = Long.parseLong(lines[at++].substring(6));
        List<byte[]> proof = new ArrayList<>();
        while (at < lines.length && !lines[at].isEmpty()) {
            try {
                proof.add(Rfc6962.fromBase64(lines[at]));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + (at + 1) + " of the proof: " + e.getMessage());
            }
            at++;
        }
        if (at >= lines.length) {
            throw new IllegalArgumentException("the proof has no checkpoint after its blank line");
        }
        String checkpoint = String.join("\n", java.util.Arrays.copyOfRange(lines, at + 1, lines.length));
        return new TlogProof(extra, index, proof, checkpoint);
    }

    /**
     * Checks the checkpoint's signature, its origin, and that the entry (the {@code extra} bytes unless
     * given) is at {@code index} in the checkpointed tree.
     *
     * @return the verified checkpoint
     */
    public Checkpoint verify(NoteVerifier logKey, byte[] entry) throws ProofVerifier.ProofException {
        byte[] leaf = entry != null ? entry : extra;
        if (leaf == null) {
            throw new ProofVerifier.ProofException("the proof carries no entry and none was given");
        }
        Checkpoint checkpoint;
        try {
            checkpoint = Checkpoint.parse(SignedNote.open(signedCheckpoint, List.of(logKey)).text());
        } catch (SignedNote.NoteException | IllegalArgumentException e) {
            throw new ProofVerifier.ProofException("checkpoint: " + e.getMessage());
        }
        if (!checkpoint.origin().equals(logKey.name())) {
            throw new ProofVerifier.ProofException("the checkpoint is from log '" + checkpoint.origin()
                    + "', not '" + logKey.name() + "'");
        }
        ProofVerifier.verifyInclusion(index, checkpoint.size(), Rfc6962.leafHash(leaf), proof, checkpoint.root());
        return checkpoint;
    }

    public String entryText() {
        return extra == null ? null : new String(extra, StandardCharsets.UTF_8);
    }
}
