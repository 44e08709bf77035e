package io.countersign.cli;

import io.countersign.audit.LogProblem;

/** Where {@code audit verify} and {@code audit export} read a log from: a server's tiles or an export file. */
interface LogSource {

    /** Receives entries in the order the source holds them. */
    @FunctionalInterface
    interface Visitor {
        /**
         * @param claimedLeafHash the leaf hash the source states for this entry, or null
         */
        void visit(long index, byte[] entry, byte[] claimedLeafHash) throws LogProblem;
    }

    /** Reads the entries with index below {@code size}. */
    void entries(long size, Visitor visitor) throws LogProblem;
}
