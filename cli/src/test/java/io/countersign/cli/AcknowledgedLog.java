package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.audit.LogKey;
import io.countersign.audit.NoteVerifier;
import io.countersign.audit.TlogProof;
import io.countersign.server.ConfigDirectory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * What a crash or outage test asserts at the end: every request a node acknowledged has a proof of
 * inclusion that verifies with the log's key, and {@code countersign audit verify} passes on the whole log.
 */
final class AcknowledgedLog {
    private AcknowledgedLog() {
    }

    /** @param config the node's configuration directory (for the log key and the demo keys) */
    static void verify(HttpClient http, int port, Path config, Set<String> acknowledged) throws Exception {
        LogKey logKey = LogKey.parse(Files.readString(config.resolve("audit/log.key")));
        NoteVerifier key = logKey.verifier();
        String agent = ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY");
        for (String id : acknowledged) {
            HttpResponse<String> proof = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/v1/actions/" + id + "/proof")).header("Authorization", "Bearer " + agent).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(proof.statusCode()).as("proof of acknowledged action %s", id).isEqualTo(200);
            TlogProof.parse(proof.body()).verify(key, null);
        }
        Cli.Run verify = Cli.run("audit", "verify", "--key", logKey.verifierKey(), "--server", "http://127.0.0.1:" + port,
                "--token", ConfigDirectory.demoKey(config, "COUNTERSIGN_ALICE_KEY"));
        assertThat(verify.exit()).as(verify.out() + verify.err()).isEqualTo(ExitCode.OK);
    }
}
