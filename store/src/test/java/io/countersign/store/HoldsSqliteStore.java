package io.countersign.store;

import io.countersign.storage.Storage;

import io.countersign.store.sqlite.SqliteStore;
import java.nio.file.Path;

/**
 * A node in a process of its own, for the tests: opens the SQLite store named and says "open", then holds
 * it until killed; or says "refused: " and why.
 */
final class HoldsSqliteStore {
    private HoldsSqliteStore() {
    }

    public static void main(String[] args) throws InterruptedException {
        Storage store;
        try {
            store = SqliteStore.open(Path.of(args[0]));
        } catch (StoreUnavailableException e) {
            System.out.println("refused: " + e.getMessage());
            System.exit(2);
            return;
        }
        try (store) {
            System.out.println("open");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
