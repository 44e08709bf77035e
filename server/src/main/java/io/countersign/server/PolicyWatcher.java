package io.countersign.server;

import io.countersign.lifecycle.PolicyReloader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Watches the policy directory and asks for a reload when files in it change. Editors and deploy tools
 * write in several steps, so changes are gathered until the directory has been quiet for a moment.
 */
final class PolicyWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PolicyWatcher.class.getName());
    private static final long QUIET_MILLIS = 300;

    private final WatchService watch;
    private final Thread thread;

    private PolicyWatcher(WatchService watch, Thread thread) {
        this.watch = watch;
        this.thread = thread;
    }

    static PolicyWatcher start(Path directory, PolicyReloader reloader) {
        try {
            WatchService watch = FileSystems.getDefault().newWatchService();
            directory.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            Thread thread = Thread.ofPlatform().name("countersign-policy-watch").daemon(true)
                    .start(() -> run(watch, reloader));
            return new PolicyWatcher(watch, thread);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch the policy directory " + directory, e);
        }
    }

    private static void run(WatchService watch, PolicyReloader reloader) {
        try {
            while (true) {
                Set<String> changed = new TreeSet<>();
                WatchKey key = watch.take();
                do {
                    for (WatchEvent<?> event : key.pollEvents()) {
                        changed.add(event.kind() == StandardWatchEventKinds.OVERFLOW ? "(many files)" : String.valueOf(event.context()));
                    }
                    key.reset();
                    key = watch.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS);
                } while (key != null);
                // Editors and tools leave temporary files about; name the policy files when any changed.
                Set<String> named = new TreeSet<>(changed.stream().filter(n -> n.endsWith(".yaml") || n.endsWith(".yml")).toList());
                try {
                    reloader.reload("file change: " + String.join(", ", named.isEmpty() ? changed : named));
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, "policy reload failed; the active policy stays", e);
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    @Override
    public void close() {
        try {
            watch.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the policy watch", e);
        }
        thread.interrupt();
    }
}
