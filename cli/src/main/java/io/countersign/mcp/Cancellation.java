package io.countersign.mcp;

/**
 * Whether the agent has cancelled one call (MCP "Cancellation", {@code notifications/cancelled}). A call
 * still waiting for people, or not yet forwarded, then never runs, even when it is approved a moment
 * later: nobody is left to read its result. Its request stays at Countersign, so the same call made again
 * finds it and, once approved, runs once. A call already forwarded runs to its end.
 */
final class Cancellation {
    /** For calls that cannot be cancelled (Streamable HTTP, where the SDK's server does not pass it on). */
    static final Cancellation NEVER = new Cancellation();

    private volatile boolean cancelled;

    void cancel() {
        if (this == NEVER) {
            throw new IllegalStateException("NEVER cannot be cancelled");
        }
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }
}
