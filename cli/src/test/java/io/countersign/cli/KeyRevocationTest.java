package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys as an operator handles them: {@code countersign keys new} makes one and the line to paste, and the
 * revocation procedure of SECURITY.md, run as it is written there (its shell block, with {@code bin/countersign}
 * this build and the node's own address), leaves the leaked key refused and every other key working.
 */
class KeyRevocationTest {
    @TempDir
    Path work;

    Path config;
    CountersignServer server;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        config = work.resolve("countersign-config");
        ConfigDirectory.ensureExample(config);
        server = CountersignServer.start(config, "127.0.0.1", 0, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private int status(String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/actions"))
                .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String key(String who) {
        return ConfigDirectory.demoKey(config, "COUNTERSIGN_" + who.toUpperCase() + "_KEY");
    }

    /** The first {@code sh} block after {@code heading} in SECURITY.md, as it stands. */
    private static String block(String heading) throws IOException {
        String text = Files.readString(Path.of("..", "SECURITY.md"));
        int at = text.indexOf(heading);
        assertThat(at).as("SECURITY.md has the section " + heading).isPositive();
        int start = text.indexOf("```sh\n", at) + "```sh\n".length();
        return text.substring(start, text.indexOf("```", start));
    }

    @Test
    void theRevocationProcedureOfSecurityMdLeavesTheLeakedKeyRefusedAndNoOtherKey() throws Exception {
        String procedure = block("### Revoking an API key");
        String leaked = key("agent");
        assertThat(status(leaked)).isEqualTo(200);

        // bin/countersign is this build; the node is the one the test started.
        Path bin = Files.createDirectories(work.resolve("bin"));
        Path countersign = bin.resolve("countersign");
        Files.writeString(countersign, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -cp '"
                + System.getProperty("java.class.path") + "' io.countersign.cli.Main \"$@\"\n");
        Files.setPosixFilePermissions(countersign, PosixFilePermissions.fromString("rwx------"));
        String script = "set -e\n" + procedure.replace("http://127.0.0.1:8080", "http://127.0.0.1:" + server.port());
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", script).directory(work.toFile()).redirectErrorStream(true);
        builder.environment().put("LEAKED_KEY", leaked);
        builder.environment().put("COUNTERSIGN_TOKEN", key("bob"));
        builder.environment().put("COUNTERSIGN_SERVER", "http://127.0.0.1:" + server.port());
        Process run = builder.start();
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String said = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.exitValue()).as(said).isZero();
        assertThat(said).contains("latest: policy sha256:").endsWith("401\n");

        assertThat(status(leaked)).isEqualTo(401);
        assertThat(status(key("alice"))).isEqualTo(200);
        assertThat(Files.readString(config.resolve("identities.yaml"))).doesNotContain(io.countersign.identity.ApiKeys.hash(leaked));
    }

    @Test
    void aNewKeyIsPrintedOnceWithTheLineThatAddsItsHashAndWorksOncePasted() throws Exception {
        Cli.Run made = Cli.run("keys", "new", "--principal", "alice", "--expires", "90d");
        assertThat(made.exit()).as(made.err()).isEqualTo(ExitCode.OK);
        String key = made.out().strip();
        assertThat(key).startsWith("cs_").hasSize(46);
        Matcher line = Pattern.compile("      - \\{hash: (sha256:[0-9a-f]{64}), expires: (\\S+)}").matcher(made.err());
        assertThat(line.find()).as(made.err()).isTrue();
        assertThat(line.group(1)).isEqualTo(io.countersign.identity.ApiKeys.hash(key));
        assertThat(made.err()).doesNotContain(key);

        Path identities = config.resolve("identities.yaml");
        String text = Files.readString(identities);
        String aliceKeys = "    api_keys: [" + io.countersign.identity.ApiKeys.hash(key("alice")) + "]";
        assertThat(text).contains(aliceKeys);
        Files.writeString(identities, text.replace(aliceKeys, "    api_keys:\n      - " + io.countersign.identity.ApiKeys.hash(key("alice"))
                + "\n" + line.group(0)));
        server.reloadIdentities("test");
        assertThat(status(key)).isEqualTo(200);

        assertThat(Cli.run("keys", "new", "--principal", "alice", "--expires", "2020-01-01").exit()).isEqualTo(ExitCode.USAGE);
    }
}
