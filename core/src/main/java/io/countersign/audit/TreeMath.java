package io.countersign.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * The stored form of an RFC 6962 tree, as in Go's {@code golang.org/x/mod/sumdb/tlog}: every hash of
 * a complete subtree is kept once, at a dense index, in the order the leaves complete them. Appending
 * leaf {@code n} stores its hash plus one hash per subtree it completes; any root, inclusion proof or
 * consistency proof is then read from at most about {@code 2·log₂ n} stored hashes.
 */
public final class TreeMath {
    private TreeMath() {
    }

    /** The storage index of the hash at {@code level} (0 = leaves) and position {@code n} in that level. */
    public static long storedHashIndex(int level, long n) {
        // Level L's n-th hash is written right after level L+1's (2n+1)-th hash; walk down to level 0.
        for (int l = level; l > 0; l--) {
            n = 2 * n + 1;
        }
        // Level 0's n-th hash is written at n + n/2 + n/4 + ...
        long index = 0;
        for (; n > 0; n >>= 1) {
            index += n;
        }
        return index + level;
    }

    /** How many hashes a tree of {@code size} leaves stores. */
    public static long storedHashCount(long size) {
        if (size == 0) {
            return 0;
        }
        long count = storedHashIndex(0, size - 1) + 1;
        for (long i = size - 1; (i & 1) != 0; i >>= 1) {
            count++;
        }
        return count;
    }

    /**
     * The hashes to store when appending leaf {@code n}, starting at {@code storedHashIndex(0, n)}: its
     * leaf hash, then the root of each subtree it completes.
     */
    public static List<byte[]> storedHashes(long n, byte[] leafHash, HashReader reader) {
        List<byte[]> hashes = new ArrayList<>(4);
        hashes.add(leafHash);
        int completed = Long.numberOfTrailingZeros(n + 1);
        if (completed == 0) {
            return hashes;
        }
        long[] indexes = new long[completed];
        for (int i = 0; i < completed; i++) {
            indexes[completed - 1 - i] = storedHashIndex(i, (n >> i) - 1);
        }
        byte[][] siblings = reader.readHashes(indexes);
        byte[] hash = leafHash;
        for (int i = 0; i < completed; i++) {
            hash = Rfc6962.nodeHash(siblings[completed - 1 - i], hash);
            hashes.add(hash);
        }
        return hashes;
    }

    /** The root of the first {@code size} leaves. */
    public static byte[] treeHash(long size, HashReader reader) {
        if (size == 0) {
            return Rfc6962.EMPTY_ROOT;
        }
        Cursor hashes = new Cursor(reader.readHashes(toArray(subTreeIndex(0, size, new ArrayList<>()))));
        return subTreeHash(0, size, hashes);
    }

    /** The RFC 6962 audit path proving that leaf {@code index} is in the tree of {@code size} leaves. */
    public static List<byte[]> inclusionProof(long index, long size, HashReader reader) {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("index " + index + " is not in a tree of size " + size);
        }
        List<Long> needed = leafProofIndex(0, size, index, new ArrayList<>());
        Cursor hashes = new Cursor(reader.readHashes(toArray(needed)));
        List<byte[]> proof = new ArrayList<>();
        leafProof(0, size, index, hashes, proof);
        return proof;
    }

    /** The RFC 6962 consistency proof that the tree of {@code size} leaves extends the one of {@code older} leaves. */
    public static List<byte[]> consistencyProof(long older, long size, HashReader reader) {
        if (older < 0 || older > size) {
            throw new IllegalArgumentException("cannot prove size " + older + " consistent with size " + size);
        }
        List<byte[]> proof = new ArrayList<>();
        if (older == 0 || older == size) {
            return proof;
        }
        List<Long> needed = treeProofIndex(0, size, older, new ArrayList<>());
        Cursor hashes = new Cursor(reader.readHashes(toArray(needed)));
        treeProof(0, size, older, hashes, proof);
        return proof;
    }

    /** The largest power of two strictly below {@code n} (n ≥ 2), with its log₂. */
    private static long maxPow2Below(long n) {
        return Long.highestOneBit(n - 1);
    }

    private static int log2(long powerOfTwo) {
        return Long.numberOfTrailingZeros(powerOfTwo);
    }

    private static List<Long> subTreeIndex(long lo, long hi, List<Long> needed) {
        while (lo < hi) {
            long k = maxPow2Below(hi - lo + 1);
            needed.add(storedHashIndex(log2(k), lo >> log2(k)));
            lo += k;
        }
        return needed;
    }

    private static byte[] subTreeHash(long lo, long hi, Cursor hashes) {
        // The range splits into complete subtrees of decreasing size, each one stored hash; fold right to left.
        List<byte[]> parts = new ArrayList<>();
        while (lo < hi) {
            long k = maxPow2Below(hi - lo + 1);
            parts.add(hashes.next());
            lo += k;
        }
        byte[] hash = parts.getLast();
        for (int i = parts.size() - 2; i >= 0; i--) {
            hash = Rfc6962.nodeHash(parts.get(i), hash);
        }
        return hash;
    }

    private static List<Long> leafProofIndex(long lo, long hi, long n, List<Long> needed) {
        if (lo + 1 == hi) {
            return needed;
        }
        long k = maxPow2Below(hi - lo);
        if (n < lo + k) {
            leafProofIndex(lo, lo + k, n, needed);
            subTreeIndex(lo + k, hi, needed);
        } else {
            subTreeIndex(lo, lo + k, needed);
            leafProofIndex(lo + k, hi, n, needed);
        }
        return needed;
    }

    private static void leafProof(long lo, long hi, long n, Cursor hashes, List<byte[]> proof) {
        if (lo + 1 == hi) {
            return;
        }
        long k = maxPow2Below(hi - lo);
        if (n < lo + k) {
            leafProof(lo, lo + k, n, hashes, proof);
            proof.add(subTreeHash(lo + k, hi, hashes));
        } else {
            byte[] left = subTreeHash(lo, lo + k, hashes);
            leafProof(lo + k, hi, n, hashes, proof);
            proof.add(left);
        }
    }

    private static List<Long> treeProofIndex(long lo, long hi, long n, List<Long> needed) {
        if (n == hi) {
            return lo == 0 ? needed : subTreeIndex(lo, hi, needed);
        }
        long k = maxPow2Below(hi - lo);
        if (n <= lo + k) {
            treeProofIndex(lo, lo + k, n, needed);
            subTreeIndex(lo + k, hi, needed);
        } else {
            subTreeIndex(lo, lo + k, needed);
            treeProofIndex(lo + k, hi, n, needed);
        }
        return needed;
    }

    private static void treeProof(long lo, long hi, long n, Cursor hashes, List<byte[]> proof) {
        if (n == hi) {
            if (lo != 0) {
                proof.add(subTreeHash(lo, hi, hashes));
            }
            return;
        }
        long k = maxPow2Below(hi - lo);
        if (n <= lo + k) {
            treeProof(lo, lo + k, n, hashes, proof);
            proof.add(subTreeHash(lo + k, hi, hashes));
        } else {
            byte[] left = subTreeHash(lo, lo + k, hashes);
            treeProof(lo + k, hi, n, hashes, proof);
            proof.add(left);
        }
    }

    private static long[] toArray(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    /** Hands out hashes in the order their indexes were requested. */
    private static final class Cursor {
        private final byte[][] hashes;
        private int next;

        Cursor(byte[][] hashes) {
            this.hashes = hashes;
        }

        byte[] next() {
            return hashes[next++];
        }
    }
}
