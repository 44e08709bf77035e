package io.countersign.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The floor under every acknowledged decision: one small {@code write} and {@code fdatasync} on the disk
 * the store is on. Made back to back, they show what the disk does when kept busy; with a pause before
 * each, as a lone client's commits come, what it does after a short idle, which on a virtual disk can be
 * several times slower.
 */
public final class SyncLatency {
    private SyncLatency() {
    }

    /** {@code count} 4 KiB writes, each made durable before the next, in a scratch file in {@code directory}. */
    public static Percentiles measure(Path directory, int count) throws IOException {
        return measure(directory, count, Duration.ZERO);
    }

    /** The same with the writer's thread parked for {@code pause} before each write. */
    public static Percentiles measure(Path directory, int count, Duration pause) throws IOException {
        Path file = Files.createTempFile(directory, "sync-latency", ".bin");
        long[] nanos = new long[count];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(4096);
            for (int i = 0; i < count; i++) {
                if (pause.isPositive()) {
                    LockSupport.parkNanos(pause.toNanos());
                }
                block.clear();
                long start = System.nanoTime();
                channel.write(block, (long) i * block.capacity());
                channel.force(false);
                nanos[i] = System.nanoTime() - start;
            }
        } finally {
            Files.deleteIfExists(file);
        }
        return Percentiles.of(nanos);
    }
}
