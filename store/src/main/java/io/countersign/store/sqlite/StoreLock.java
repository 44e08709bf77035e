package io.countersign.store.sqlite;

import io.countersign.store.StoreUnavailableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One node to an SQLite store. A second node on the same file would serve what the first keeps at hand
 * as it was before the other's writes, and would sweep expiries and sign checkpoints beside it. The lock
 * is the operating system's, on a file beside the database, so it ends with the process however that ends.
 */
final class StoreLock implements AutoCloseable {
    /**
     * The lock files this process holds. The operating system's locks are the process's, not the channel's:
     * closing any other channel this process opened on the same file would release them, so a second store
     * opened here on a held file is refused before the file is opened again.
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;

    private StoreLock(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * @param database an SQLite file whose directory exists
     * @throws StoreUnavailableException naming the process that holds it, when another store does
     */
    static StoreLock acquire(Path database) {
        Path file;
        try {
            file = database.toAbsolutePath().getParent().toRealPath().resolve(database.getFileName() + ".lock");
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot lock it: " + e.getMessage(), e);
        }
        if (!HELD.add(file)) {
            throw inUse(Long.toString(ProcessHandle.current().pid()));
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw inUse(Files.readString(file, StandardCharsets.UTF_8).strip());
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
            return new StoreLock(file, channel);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            HELD.remove(file);
            throw e instanceof StoreUnavailableException refused ? refused
                    : new StoreUnavailableException("cannot lock it (" + file + "): " + e.getMessage(), e);
        }
    }

    private static StoreUnavailableException inUse(String holder) {
        return new StoreUnavailableException("it is in use by another Countersign node" + (holder.isEmpty() ? "" : " (process " + holder + ")")
                + "; an SQLite store serves one node at a time: stop the other, or give several nodes one PostgreSQL database", null);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was locked through it
        }
    }

    /** Closing the channel releases its lock; closing again does nothing. */
    @Override
    public synchronized void close() throws IOException {
        if (channel.isOpen()) {
            try {
                channel.close();
            } finally {
                HELD.remove(file);
            }
        }
    }
}
