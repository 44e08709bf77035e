package io.countersign.audit;

import io.countersign.audit.AuditLogStore;
import java.security.MessageDigest;
import java.util.List;

/**
 * The start-up check (NIST SI-7(1)): recompute every leaf hash and the root from the stored entries
 * and compare them with the stored tree and with every checkpoint the log signed.
 */
public final class LogIntegrity {
    private LogIntegrity() {
    }

    public static void check(AuditLogStore store, List<Checkpoint> signed) {
        LogVerifier verifier;
        try {
            verifier = new LogVerifier(signed);
        } catch (IllegalArgumentException e) {
            throw new AuditLogCorruptedException(e.getMessage());
        }
        long size = store.size();
        LogProblem[] problem = new LogProblem[1];
        store.entries(0, size, (index, entry, storedLeafHash) -> {
            if (problem[0] != null) {
                return;
            }
            try {
                verifier.accept(index, entry, storedLeafHash == null ? new byte[0] : storedLeafHash);
            } catch (LogProblem e) {
                problem[0] = e;
            }
        });
        try {
            if (problem[0] != null) {
                throw problem[0];
            }
            if (verifier.size() != size) {
                throw new LogProblem(verifier.size(), "entry " + verifier.size() + " is missing");
            }
            byte[] root = verifier.finish();
            if (!MessageDigest.isEqual(root, TreeMath.treeHash(size, store.hashes()))) {
                throw new LogProblem(-1, "the stored tree hashes do not match the entries (size " + size + ")");
            }
        } catch (LogProblem e) {
            throw new AuditLogCorruptedException("audit log check failed: " + e.getMessage()
                    + (e.index() >= 0 ? " [first bad index: " + e.index() + "]" : ""));
        }
    }
}
