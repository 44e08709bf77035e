package io.countersign.cli;

import io.countersign.audit.AuditLogCorruptedException;
import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import io.countersign.store.StoreUnavailableException;
import io.countersign.yaml.ConfigException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", description = "Run a Countersign server. On first start, writes a working example configuration into --config.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "countersign-config", description = "Configuration directory (default ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--port", defaultValue = "8080", description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}; 0.0.0.0 for all)")
    String host;

    @Option(names = "--node-id", description = "This node's name in a cluster (default: the host name and port); shown by /healthz and"
            + " in PostgreSQL's pg_stat_activity")
    String nodeId;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        boolean created = ConfigDirectory.ensureExample(config);
        CountersignServer server;
        try {
            if (nodeId != null && !nodeId.matches("[A-Za-z0-9_.:-]{1,64}")) {
                err.println("countersign: --node-id must be 1 to 64 letters, digits, '.', '_', ':' or '-'");
                err.flush();
                return ExitCode.USAGE;
            }
            server = CountersignServer.start(config, host, port, nodeId, Clock.systemUTC());
        } catch (ConfigException | StoreUnavailableException | AuditLogCorruptedException e) {
            err.println("countersign: cannot start: " + e.getMessage());
            err.flush();
            return ExitCode.ERROR;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        String url = "http://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + server.port();
        out.println("Countersign is listening on " + url);
        out.println("  config:  " + config.toAbsolutePath() + (created ? " (example written now)" : ""));
        out.println("  policy:  " + server.policy().version() + " (" + server.policy().current().rules().size() + " rules)");
        out.println("  node:    " + server.nodeId() + " on " + server.storeDescription());
        out.println("  console: " + url + "/inbox");
        out.println("  audit:   " + server.checkpointer().origin() + " at size " + server.checkpointer().latest().size()
                + " (verifier key: countersign audit key --config " + config + ")");
        // Where the demo keys are, never a key: this output ends up in terminals, CI logs and journald.
        java.nio.file.Path demoKeys = config.toAbsolutePath().resolve(ConfigDirectory.DEMO_KEYS);
        if (java.nio.file.Files.isRegularFile(demoKeys)) {
            out.println("  demo keys: " + demoKeys + " (set -a; . " + demoKeys + "; set +a)");
        }
        out.flush();
        stopped.await();
        return ExitCode.OK;
    }
}
