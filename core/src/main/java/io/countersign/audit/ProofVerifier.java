package io.countersign.audit;

import java.security.MessageDigest;
import java.util.List;

/**
 * Checks inclusion and consistency proofs exactly as RFC 9162 §2.1.3.2 and §2.1.4.2 describe, so a
 * proof this accepts is one any RFC 6962 verifier (Go's {@code tlog.CheckRecord}/{@code CheckTree},
 * transparency-dev/merkle) accepts too. Failures say why.
 */
public final class ProofVerifier {
    private ProofVerifier() {
    }

    /** Thrown when a proof does not prove what it claims. */
    public static final class ProofException extends Exception {
        public ProofException(String message) {
            super(message);
        }
    }

    public static void verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root)
            throws ProofException {
        requireHash(leafHash, "leaf hash");
        requireHash(root, "root");
        if (index < 0 || index >= size) {
            throw new ProofException("index " + index + " is outside a tree of size " + size);
        }
        if (proof.stream().anyMatch(h -> h == null || h.length != Rfc6962.HASH_SIZE)) {
            throw new ProofException("every proof hash must be 32 bytes");
        }
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : proof) {
            if (sn == 0) {
                throw new ProofException("the proof has more hashes than a tree of size " + size + " needs");
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = Rfc6962.nodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                r = Rfc6962.nodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0) {
            throw new ProofException("the proof has fewer hashes than a tree of size " + size + " needs");
        }
        if (!MessageDigest.isEqual(r, root)) {
            throw new ProofException("the proof leads to a different root: leaf " + index + " is not in this tree");
        }
    }

    public static void verifyConsistency(long size1, long size2, byte[] root1, byte[] root2, List<byte[]> proof)
            throws ProofException {
        requireHash(root1, "first root");
        requireHash(root2, "second root");
        if (proof.stream().anyMatch(h -> h == null || h.length != Rfc6962.HASH_SIZE)) {
            throw new ProofException("every proof hash must be 32 bytes");
        }
        if (size1 < 0 || size2 < 0) {
            throw new ProofException("tree sizes cannot be negative");
        }
        if (size1 > size2) {
            throw new ProofException("the older tree (" + size1 + ") is larger than the newer one (" + size2 + ")");
        }
        if (size1 == size2) {
            if (!proof.isEmpty()) {
                throw new ProofException("trees of equal size need an empty proof");
            }
            if (!MessageDigest.isEqual(root1, root2)) {
                throw new ProofException("two different roots for the same size " + size1 + ": the log forked");
            }
            return;
        }
        if (size1 == 0) {
            if (!proof.isEmpty()) {
                throw new ProofException("the empty tree needs an empty proof");
            }
            return;
        }
        if (proof.isEmpty()) {
            throw new ProofException("a consistency proof between different sizes cannot be empty");
        }
        List<byte[]> path = proof;
        if (Long.bitCount(size1) == 1) {
            path = new java.util.ArrayList<>(proof.size() + 1);
            path.add(root1);
            path.addAll(proof);
        }
        long fn = size1 - 1;
        long sn = size2 - 1;
        while ((fn & 1) == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path.getFirst();
        byte[] sr = path.getFirst();
        for (byte[] c : path.subList(1, path.size())) {
            if (sn == 0) {
                throw new ProofException("the proof has more hashes than these sizes need");
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = Rfc6962.nodeHash(c, fr);
                sr = Rfc6962.nodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                sr = Rfc6962.nodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0) {
            throw new ProofException("the proof has fewer hashes than these sizes need");
        }
        if (!MessageDigest.isEqual(fr, root1)) {
            throw new ProofException("the proof does not lead to the older root: the tree of size " + size1 + " was rewritten");
        }
        if (!MessageDigest.isEqual(sr, root2)) {
            throw new ProofException("the proof does not lead to the newer root: the tree of size " + size2
                    + " does not extend the one of size " + size1);
        }
    }

    private static void requireHash(byte[] hash, String what) throws ProofException {
        if (hash == null || hash.length != Rfc6962.HASH_SIZE) {
            throw new ProofException("the " + what + " must be 32 bytes");
        }
    }
}
