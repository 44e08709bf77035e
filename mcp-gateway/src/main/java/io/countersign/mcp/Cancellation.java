package io.countersign.mcp;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/**
 * Whether the agent has cancelled one call (MCP "Cancellation", {@code notifications/cancelled}). A call
 * still waiting for people, or not yet forwarded, then never runs, even when it is approved a moment
 * later: nobody is left to read its result. Its request stays at Countersign, so the same call made again
 * finds it and, once approved, runs once. A call already forwarded is cancelled in turn at its upstream.
 */
final class Cancellation {
    /** For calls that cannot be cancelled (Streamable HTTP, where the SDK's server does not pass it on). */
    static final Cancellation NEVER = new Cancellation();

    private boolean cancelled;
    private Runnable onCancel;

    void cancel() {
        if (this == NEVER) {
            throw new IllegalStateException("NEVER cannot be cancelled");
        }
        Runnable then;
        synchronized (this) {
            cancelled = true;
            then = onCancel;
            onCancel = null;
        }
        if (then != null) {
            then.run();
        }
    }

    synchronized boolean cancelled() {
        return cancelled;
    }

    /**
     * Runs {@code blocking} on a virtual thread and interrupts it if the call is cancelled meanwhile: its
     * socket read then ends at once, its connection closed. No interrupt outlives it. Called on a platform
     * thread, whose socket reads an interrupt does not end, it runs on a virtual thread of its own while
     * the caller waits.
     */
    <T> T interrupting(Supplier<T> blocking) {
        if (!Thread.currentThread().isVirtual()) {
            FutureTask<T> task = new FutureTask<>(() -> interrupting(blocking));
            Thread waiting = Thread.ofVirtual().name("countersign-mcp-wait").start(task);
            try {
                return task.get();
            } catch (ExecutionException e) {
                switch (e.getCause()) {
                    case RuntimeException runtime -> throw runtime;
                    case Error error -> throw error;
                    default -> throw new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                waiting.interrupt();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting", e);
            }
        }
        Thread caller = Thread.currentThread();
        // [0] still running, [1] interrupted by this; under one lock, so no interrupt lands after the finally
        boolean[] state = {true, false};
        whenCancelled(() -> {
            synchronized (state) {
                if (state[0]) {
                    state[1] = true;
                    caller.interrupt();
                }
            }
        });
        try {
            return blocking.get();
        } finally {
            synchronized (state) {
                state[0] = false;
                if (state[1]) {
                    Thread.interrupted();
                }
            }
        }
    }

    /** Runs {@code action} when the call is cancelled (at once if it already is); replaces what was set before. */
    void whenCancelled(Runnable action) {
        if (this == NEVER) {
            return;
        }
        synchronized (this) {
            if (!cancelled) {
                onCancel = action;
                return;
            }
        }
        action.run();
    }
}
