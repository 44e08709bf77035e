package io.countersign.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * Computes the RFC 6962 root of a stream of leaves in O(log n) memory: it keeps the roots of the
 * complete subtrees so far (a "compact range") and can give the root of the tree at any point.
 */
public final class RootBuilder {
    private final List<byte[]> subtrees = new ArrayList<>();
    private long size;

    public void add(byte[] leafHash) {
        byte[] hash = leafHash;
        // Each trailing one bit of the old size is a complete subtree of the same height to merge with.
        for (long s = size; (s & 1) == 1; s >>= 1) {
            hash = Rfc6962.nodeHash(subtrees.removeLast(), hash);
        }
        subtrees.add(hash);
        size++;
    }

    public long size() {
        return size;
    }

    public byte[] root() {
        if (subtrees.isEmpty()) {
            return Rfc6962.EMPTY_ROOT;
        }
        byte[] hash = subtrees.getLast();
        for (int i = subtrees.size() - 2; i >= 0; i--) {
            hash = Rfc6962.nodeHash(subtrees.get(i), hash);
        }
        return hash;
    }
}
