package io.countersign.mcp;

import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Assumptions;

/** The MCP servers and clients from the npm registry that the gateway's tests talk to. */
public final class McpPeers {
    /** Where {@code npm ci --prefix mcp-gateway/src/test/mcp} puts them, from the directory of any module. */
    public static final Path DIRECTORY = Path.of("..", "mcp-gateway", "src", "test", "mcp");

    private McpPeers() {
    }

    /** .ci/run installs them; without them here, the test is skipped (in CI, where they are required, it fails). */
    public static void requirePresent() {
        boolean present = Files.isDirectory(DIRECTORY.resolve("node_modules/@modelcontextprotocol/sdk"))
                && Files.isDirectory(DIRECTORY.resolve("node_modules/@modelcontextprotocol/server-filesystem"));
        if (!present && System.getenv("COUNTERSIGN_REQUIRE_MCP_PEERS") != null) {
            throw new AssertionError("COUNTERSIGN_REQUIRE_MCP_PEERS is set but " + DIRECTORY + "/node_modules is missing (npm ci --prefix " + DIRECTORY + ")");
        }
        Assumptions.assumeTrue(present, "MCP peers from npm are not installed: npm ci --prefix mcp-gateway/src/test/mcp");
    }

    /** With the peers present, a node on the example config in {@code config}, {@code policy} added as policies/mcp.yaml. */
    public static CountersignServer startNode(Path config, String policy) throws IOException {
        requirePresent();
        ConfigDirectory.ensureExample(config);
        Files.writeString(config.resolve("policies/mcp.yaml"), policy);
        // The gateways of these tests call their tools in env dev; the example's inventory knows them so.
        Files.writeString(config.resolve("resources.yaml"), Files.readString(config.resolve("resources.yaml"))
                + "  - {type: mcp.tool, id: \"*\", env: dev}\n");
        return CountersignServer.start(config, "127.0.0.1", 0, Clock.systemUTC());
    }
}
