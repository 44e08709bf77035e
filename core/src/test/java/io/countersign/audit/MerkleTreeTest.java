package io.countersign.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

class MerkleTreeTest {

    /** A tree kept in memory the way the store keeps it: the stored hashes in their dense order. */
    static final class MemoryTree {
        final List<byte[]> stored = new ArrayList<>();
        long size;

        void add(byte[] entry) {
            List<byte[]> hashes = TreeMath.storedHashes(size, Rfc6962.leafHash(entry), this::read);
            assertThat((long) stored.size()).isEqualTo(TreeMath.storedHashIndex(0, size));
            stored.addAll(hashes);
            size++;
            assertThat((long) stored.size()).isEqualTo(TreeMath.storedHashCount(size));
        }

        byte[][] read(long[] indexes) {
            byte[][] out = new byte[indexes.length][];
            for (int i = 0; i < indexes.length; i++) {
                out[i] = stored.get((int) indexes[i]);
            }
            return out;
        }
    }

    static byte[] entry(long i) {
        return ("entry " + i).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void hashesFollowRfc6962() {
        assertThat(Rfc6962.base64(Rfc6962.EMPTY_ROOT)).isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assertThat(HexFormat.of().formatHex(Rfc6962.leafHash(new byte[0]))).startsWith("6e340b9c").endsWith("a01d");
        assertThat(HexFormat.of().formatHex(Rfc6962.leafHash("L123456".getBytes(StandardCharsets.US_ASCII))))
                .startsWith("395aa064").endsWith("4d56");
        assertThat(HexFormat.of().formatHex(Rfc6962.nodeHash("N123".getBytes(StandardCharsets.US_ASCII),
                "N456".getBytes(StandardCharsets.US_ASCII)))).startsWith("aa217fe8").endsWith("6bbb");
    }

    @Test
    void storedTreeRootsProofsAndStreamingRootAgreeForEverySmallTree() throws Exception {
        MemoryTree tree = new MemoryTree();
        RootBuilder streaming = new RootBuilder();
        List<byte[]> roots = new ArrayList<>();
        roots.add(Rfc6962.EMPTY_ROOT);
        for (long n = 0; n < 70; n++) {
            tree.add(entry(n));
            streaming.add(Rfc6962.leafHash(entry(n)));
            byte[] root = TreeMath.treeHash(tree.size, tree::read);
            assertThat(streaming.root()).isEqualTo(root);
            roots.add(root);
        }
        for (long size = 1; size <= 70; size++) {
            for (long index = 0; index < size; index++) {
                List<byte[]> proof = TreeMath.inclusionProof(index, size, tree::read);
                ProofVerifier.verifyInclusion(index, size, Rfc6962.leafHash(entry(index)), proof, roots.get((int) size));
                long wrong = (index + 1) % size;
                if (wrong != index) {
                    long finalSize = size;
                    long finalIndex = index;
                    assertThatThrownBy(() -> ProofVerifier.verifyInclusion(wrong, finalSize, Rfc6962.leafHash(entry(finalIndex)),
                            proof, roots.get((int) finalSize))).isInstanceOf(ProofVerifier.ProofException.class);
                }
            }
            for (long older = 0; older <= size; older++) {
                List<byte[]> proof = TreeMath.consistencyProof(older, size, tree::read);
                ProofVerifier.verifyConsistency(older, size, roots.get((int) older), roots.get((int) size), proof);
            }
        }
    }

    @Test
    void aConsistencyProofFailsForARewrittenTree() {
        MemoryTree tree = new MemoryTree();
        MemoryTree forked = new MemoryTree();
        for (long n = 0; n < 20; n++) {
            tree.add(entry(n));
            forked.add(n == 3 ? "rewritten".getBytes(StandardCharsets.UTF_8) : entry(n));
        }
        byte[] olderRoot = TreeMath.treeHash(10, tree::read);
        List<byte[]> proof = TreeMath.consistencyProof(10, 20, forked::read);
        assertThatThrownBy(() -> ProofVerifier.verifyConsistency(10, 20, olderRoot, TreeMath.treeHash(20, forked::read), proof))
                .hasMessageContaining("older root");
    }

    static Stream<String> vectors() throws IOException {
        try (InputStream in = MerkleTreeTest.class.getResourceAsStream("/merkle-testdata/INDEX")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void transparencyDevVectors(String name) throws IOException {
        JsonNode vector;
        try (InputStream in = MerkleTreeTest.class.getResourceAsStream("/merkle-testdata/" + name)) {
            vector = Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        List<byte[]> proof = new ArrayList<>();
        vector.path("proof").values().forEach(h -> proof.add(java.util.Base64.getDecoder().decode(h.stringValue())));
        boolean wantErr = vector.get("wantErr").booleanValue();
        Exception failure = null;
        try {
            if (name.startsWith("inclusion/")) {
                ProofVerifier.verifyInclusion(vector.get("leafIdx").longValue(), vector.get("treeSize").longValue(),
                        b64(vector, "leafHash"), proof, b64(vector, "root"));
            } else {
                ProofVerifier.verifyConsistency(vector.get("size1").longValue(), vector.get("size2").longValue(),
                        b64(vector, "root1"), b64(vector, "root2"), proof);
            }
        } catch (ProofVerifier.ProofException e) {
            failure = e;
        }
        if (wantErr) {
            assertThat(failure).as(vector.get("desc").stringValue()).isNotNull();
        } else {
            assertThat(failure).as(vector.get("desc").stringValue()).isNull();
        }
    }

    /**
     * The corruptions transparency-dev/merkle generates for its vectors, applied to every happy path
     * here: each must be refused.
     */
    @ParameterizedTest(name = "{0} corrupted")
    @MethodSource("vectors")
    void everyCorruptionOfAHappyPathIsRefused(String name) throws IOException {
        if (!name.endsWith("happy-path.json")) {
            return;
        }
        JsonNode vector;
        try (InputStream in = MerkleTreeTest.class.getResourceAsStream("/merkle-testdata/" + name)) {
            vector = Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        List<byte[]> proof = new ArrayList<>();
        vector.path("proof").values().forEach(h -> proof.add(java.util.Base64.getDecoder().decode(h.stringValue())));
        int corruptions = 0;
        if (name.startsWith("inclusion/")) {
            long index = vector.get("leafIdx").longValue();
            long size = vector.get("treeSize").longValue();
            byte[] leaf = b64(vector, "leafHash");
            byte[] root = b64(vector, "root");
            for (long[] sizes : new long[][] {{index + 1, size}, {index - 1, size}, {index ^ 2, size}, {index, size * 2},
                    {index, size / 2}}) {
                if (sizes[0] == index && sizes[1] == size || sizes[0] < 0) {
                    continue;
                }
                corruptions += refusedInclusion(sizes[0], sizes[1], leaf, proof, root);
            }
            corruptions += refusedInclusion(index, size, Rfc6962.leafHash("wrong".getBytes(StandardCharsets.UTF_8)), proof, root);
            corruptions += refusedInclusion(index, size, leaf, proof, Rfc6962.EMPTY_ROOT);
            corruptions += refusedInclusion(index, size, leaf, with(proof, proof.size(), new byte[0]), root);
            corruptions += refusedInclusion(index, size, leaf, with(proof, proof.size(), root), root);
            corruptions += refusedInclusion(index, size, leaf, with(proof, 0, leaf), root);
            for (int i = 0; i < proof.size(); i++) {
                for (int bit = 0; bit < 8; bit += 3) {
                    corruptions += refusedInclusion(index, size, leaf, flipped(proof, i, bit), root);
                }
                List<byte[]> removed = new ArrayList<>(proof);
                removed.remove(i);
                corruptions += refusedInclusion(index, size, leaf, removed, root);
            }
        } else {
            long size1 = vector.get("size1").longValue();
            long size2 = vector.get("size2").longValue();
            byte[] root1 = b64(vector, "root1");
            byte[] root2 = b64(vector, "root2");
            for (long[] sizes : new long[][] {{size1 + 1, size2}, {size1 - 1, size2}, {size1, size2 * 2}, {size1, size2 / 2},
                    {size1 ^ 2, size2}}) {
                if (sizes[0] == size1 && sizes[1] == size2 || sizes[0] < 1 || sizes[0] > sizes[1] && sizes[1] < 1) {
                    continue;
                }
                corruptions += refusedConsistency(sizes[0], sizes[1], root1, root2, proof);
            }
            if (!java.util.Arrays.equals(root1, root2)) {
                corruptions += refusedConsistency(size1, size2, root2, root1, proof);
            }
            corruptions += refusedConsistency(size1, size2, Rfc6962.EMPTY_ROOT, root2, proof);
            corruptions += refusedConsistency(size1, size2, root1, Rfc6962.EMPTY_ROOT, proof);
            if (!proof.isEmpty()) {
                corruptions += refusedConsistency(size1, size2, root1, root2, with(proof, proof.size(), new byte[0]));
                corruptions += refusedConsistency(size1, size2, root1, root2, with(proof, 0, root1));
                corruptions += refusedConsistency(size1, size2, root1, root2, proof.subList(0, proof.size() - 1));
                corruptions += refusedConsistency(size1, size2, root1, root2, List.of());
            }
            for (int i = 0; i < proof.size(); i++) {
                for (int bit = 0; bit < 8; bit += 3) {
                    corruptions += refusedConsistency(size1, size2, root1, root2, flipped(proof, i, bit));
                }
            }
        }
        assertThat(corruptions).as(name).isPositive();
    }

    private static int refusedInclusion(long index, long size, byte[] leaf, List<byte[]> proof, byte[] root) {
        assertThatThrownBy(() -> ProofVerifier.verifyInclusion(index, size, leaf, proof, root))
                .as("index %d size %d", index, size).isInstanceOf(ProofVerifier.ProofException.class);
        return 1;
    }

    private static int refusedConsistency(long size1, long size2, byte[] root1, byte[] root2, List<byte[]> proof) {
        assertThatThrownBy(() -> ProofVerifier.verifyConsistency(size1, size2, root1, root2, proof))
                .as("sizes %d→%d", size1, size2).isInstanceOf(ProofVerifier.ProofException.class);
        return 1;
    }

    private static List<byte[]> with(List<byte[]> proof, int at, byte[] extra) {
        List<byte[]> changed = new ArrayList<>(proof);
        changed.add(at, extra);
        return changed;
    }

    private static List<byte[]> flipped(List<byte[]> proof, int index, int bit) {
        List<byte[]> changed = new ArrayList<>(proof);
        byte[] hash = changed.get(index).clone();
        hash[0] ^= (byte) (1 << bit);
        changed.set(index, hash);
        return changed;
    }

    private static byte[] b64(JsonNode vector, String field) {
        return java.util.Base64.getDecoder().decode(vector.get(field).stringValue());
    }

    @Test
    void storedHashIndexMatchesGoSumdbLayout() {
        // Leaves 0,1 then their parent; leaf 2, leaf 3, parent(2,3), parent of the four...
        assertThat(TreeMath.storedHashIndex(0, 0)).isEqualTo(0);
        assertThat(TreeMath.storedHashIndex(0, 1)).isEqualTo(1);
        assertThat(TreeMath.storedHashIndex(1, 0)).isEqualTo(2);
        assertThat(TreeMath.storedHashIndex(0, 2)).isEqualTo(3);
        assertThat(TreeMath.storedHashIndex(0, 3)).isEqualTo(4);
        assertThat(TreeMath.storedHashIndex(1, 1)).isEqualTo(5);
        assertThat(TreeMath.storedHashIndex(2, 0)).isEqualTo(6);
        assertThat(TreeMath.storedHashCount(4)).isEqualTo(7);
    }
}
