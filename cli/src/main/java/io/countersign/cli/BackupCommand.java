package io.countersign.cli;

import io.countersign.server.ServerSettings;
import io.countersign.server.StoreSettings;
import io.countersign.store.StoreUnavailableException;
import io.countersign.store.sqlite.SqliteStore;
import io.countersign.yaml.ConfigException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code countersign backup}: a consistent copy of the embedded store, taken while the node runs. */
@Command(name = "backup", description = {"Copy the embedded SQLite store to a file, consistent as of one moment, while the node runs.",
        "Keep the copy with the configuration directory's keys (keys/, audit/log.key): see SECURITY.md for restoring."})
final class BackupCommand implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "countersign-config", description = "Configuration directory (default ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--to", required = true, description = "The file to write; it must not exist")
    Path target;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        try {
            StoreSettings store = ServerSettings.load(config).store();
            if (!(store instanceof StoreSettings.Sqlite sqlite)) {
                err.println("countersign: the store is " + store.describe() + "; back PostgreSQL up with its own tools (pg_dump, "
                        + "or continuous archiving), as SECURITY.md describes");
                err.flush();
                return ExitCode.USAGE;
            }
            SqliteStore.Backup backup = SqliteStore.backup(sqlite.file(), target);
            var out = spec.commandLine().getOut();
            out.println("backed up " + backup.actions() + " actions and an audit log of " + backup.logSize() + " entries to " + backup.file());
            out.flush();
            return ExitCode.OK;
        } catch (ConfigException | StoreUnavailableException e) {
            err.println("countersign: backup failed: " + e.getMessage());
            err.flush();
            return ExitCode.ERROR;
        }
    }
}
