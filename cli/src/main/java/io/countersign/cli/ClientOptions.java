package io.countersign.cli;

import io.countersign.client.JsonApi;
import picocli.CommandLine.Option;

/** Options every client command shares: where the server is, who we are, how to print. */
final class ClientOptions {
    @Option(names = "--server", description = "Countersign URL (env COUNTERSIGN_SERVER; default ${DEFAULT-VALUE})",
            defaultValue = "${env:COUNTERSIGN_SERVER:-http://127.0.0.1:8080}")
    String server;

    @Option(names = "--token", description = "API key (env COUNTERSIGN_TOKEN)", defaultValue = "${env:COUNTERSIGN_TOKEN}")
    String token;

    @Option(names = "--json", description = "Print the server's JSON instead of text")
    boolean json;

    JsonApi client() {
        return JsonApi.connect(server, token);
    }
}
