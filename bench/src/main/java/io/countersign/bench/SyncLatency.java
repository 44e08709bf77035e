package io.countersign.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The floor under every acknowledged decision: one small {@code write} and {@code fdatasync} on the disk
 * the store is on, one after another, as a lone caller's commit makes them.
 */
public final class SyncLatency {
    private SyncLatency() {
    }

    /** {@code count} 4 KiB writes, each made durable before the next, in a scratch file in {@code directory}. */
    public static Percentiles measure(Path directory, int count) throws IOException {
        Path file = Files.createTempFile(directory, "sync-latency", ".bin");
        long[] nanos = new long[count];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(4096);
            for (int i = 0; i < count; i++) {
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
