package io.countersign.server;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/** Waiting for a fake to receive a call: the fakes record calls as they come, on their own threads. */
final class Recorded {
    private Recorded() {
    }

    /**
     * Waits up to 10 s until {@code matching} is not empty, and returns its last element.
     *
     * @param what what was waited for, and what did arrive, for the failure message
     */
    static <T> T last(Supplier<List<T>> matching, Supplier<String> what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<T> found = matching.get();
            if (!found.isEmpty()) {
                return found.getLast();
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError(what.get());
    }
}
