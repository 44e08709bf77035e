package io.countersign.audit;

/** Reads stored tree hashes by their {@link TreeMath#storedHashIndex storage index}. */
@FunctionalInterface
public interface HashReader {
    /** @return one 32-byte hash per index, in the order asked */
    byte[][] readHashes(long[] indexes);
}
