package io.countersign.cli;

import io.countersign.mcp.GatewaySettings;
import io.countersign.mcp.McpGateway;
import io.countersign.yaml.ConfigException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code countersign mcp --config mcp.yaml}: the MCP gateway on stdio. An agent's MCP client starts
 * this command instead of the upstream server; nothing changes in the agent. Standard output carries
 * only MCP messages; everything else goes to standard error.
 */
@Command(name = "mcp", description = "Serve MCP on stdio in front of the upstream MCP servers in --config; every tools/call is an action under policy.")
final class McpCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Option(names = "--config", required = true, description = "The gateway's settings (YAML): servers, env, hold, on_pending, hide_denied, timeout")
    Path config;

    @Option(names = "--http", paramLabel = "HOST:PORT",
            description = "Serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio (e.g. 127.0.0.1:8765); agents send the same API key as Authorization: Bearer")
    String http;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (options.token == null || options.token.isBlank()) {
            spec.commandLine().getErr().println("countersign: mcp needs the agent's API key (--token or env COUNTERSIGN_TOKEN)");
            return ExitCode.ERROR;
        }
        GatewaySettings settings;
        try {
            settings = GatewaySettings.load(config, System::getenv);
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("countersign: " + e.getMessage());
            return ExitCode.ERROR;
        }
        if (http != null) {
            return serveHttp(settings);
        }
        McpGateway gateway;
        try {
            gateway = McpGateway.connect(options.client(), settings);
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("countersign: mcp could not start: " + e.getMessage());
            return ExitCode.ERROR;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close));
        // Raw descriptors: System.out may hold other writers' buffers; only MCP messages go to stdout.
        // The agent ends the session by closing our stdin.
        gateway.serveStdio(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out));
        gateway.close();
        return ExitCode.OK;
    }

    private int serveHttp(GatewaySettings settings) throws InterruptedException {
        int colon = http.lastIndexOf(':');
        if (colon < 1 || !http.substring(colon + 1).matches("[0-9]{1,5}") || Integer.parseInt(http.substring(colon + 1)) > 65535) {
            spec.commandLine().getErr().println("countersign: --http must be HOST:PORT, e.g. 127.0.0.1:8765");
            return ExitCode.USAGE;
        }
        McpGateway gateway;
        try {
            gateway = McpGateway.startHttp(options.client(), options.token, settings, http.substring(0, colon), Integer.parseInt(http.substring(colon + 1)));
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("countersign: mcp could not start: " + e.getMessage());
            return ExitCode.ERROR;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }));
        spec.commandLine().getErr().println("countersign mcp: serving MCP on http://" + http.substring(0, colon) + ":" + gateway.httpPort() + "/mcp");
        spec.commandLine().getErr().flush();
        stopped.await();
        return ExitCode.OK;
    }
}
