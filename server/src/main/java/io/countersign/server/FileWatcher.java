package io.countersign.server;

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
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Watches a directory and asks for a reload when files in it that matter change (the policy directory;
 * the resource inventory in the configuration directory). Editors and deploy tools write in several
 * steps, so changes are gathered until the directory has been quiet for a moment.
 */
final class FileWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FileWatcher.class.getName());
    private static final long QUIET_MILLIS = 300;

    private final WatchService watch;
    private final Thread thread;

    private FileWatcher(WatchService watch, Thread thread) {
        this.watch = watch;
        this.thread = thread;
    }

    /**
     * @param what     what is watched, for the thread's name and the log ({@code policy}, {@code inventory})
     * @param matters  which file names are worth a reload
     * @param reload   called with the trigger ({@code file change: default.yaml}); a failure is logged, and the
     *                 reload's own refusal keeps what is in force
     */
    static FileWatcher start(String what, Path directory, Predicate<String> matters, Consumer<String> reload) {
        try {
            WatchService watch = FileSystems.getDefault().newWatchService();
            directory.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            Thread thread = Thread.ofPlatform().name("countersign-" + what + "-watch").daemon(true)
                    .start(() -> run(watch, what, matters, reload));
            return new FileWatcher(watch, thread);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch " + directory + " for " + what + " changes", e);
        }
    }

    private static void run(WatchService watch, String what, Predicate<String> matters, Consumer<String> reload) {
        try {
            while (true) {
                Set<String> changed = new TreeSet<>();
                boolean overflow = false;
                WatchKey key = watch.take();
                do {
                    for (WatchEvent<?> event : key.pollEvents()) {
                        if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                            overflow = true;
                        } else if (matters.test(String.valueOf(event.context()))) {
                            changed.add(String.valueOf(event.context()));
                        }
                    }
                    key.reset();
                    key = watch.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS);
                } while (key != null);
                if (changed.isEmpty() && !overflow) {
                    continue;
                }
                try {
                    reload.accept("file change: " + (changed.isEmpty() ? "(many files)" : String.join(", ", changed)));
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, what + " reload failed; what is in force stays", e);
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
            LOG.log(Level.DEBUG, "closing a file watch", e);
        }
        thread.interrupt();
    }
}
