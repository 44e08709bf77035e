package io.countersign.cli;

import io.countersign.identity.ApiKeys;
import io.countersign.policy.DurationText;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * API keys, made and looked up offline: the identities file holds only their SHA-256, so a key is made here,
 * handed to its holder, and its hash pasted into the file (the node picks the change up within seconds).
 */
@Command(name = "keys", description = "Make API keys and find their hashes in the identities file.",
        subcommands = {KeysCommand.New.class, KeysCommand.Hash.class})
final class KeysCommand extends CommandGroup {

    @Command(name = "new", description = "Print a new API key for a principal, and the line that adds its hash to identities.yaml; "
            + "with --aws, a key pair for the AWS gateway and the line that adds its id.")
    static final class New implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--principal", required = true, description = "The id of the principal the key is for")
        String principal;

        @Option(names = "--expires", description = "When the key stops working: a date (2027-03-01), an instant, or a duration from now (90d)")
        String expires;

        @Option(names = "--aws", description = "An AWS access key pair for the gateway at /aws/ instead of an API key")
        boolean aws;

        @Option(names = "--config", defaultValue = "countersign-config",
                description = "With --aws: the server's configuration directory, whose keys/aws-gateway.key the secret derives from (default ${DEFAULT-VALUE})")
        java.nio.file.Path config;

        @Override
        public Integer call() {
            if (aws) {
                return awsPair();
            }
            Instant until = null;
            if (expires != null) {
                until = expiry(expires);
                if (until == null || !until.isAfter(Instant.now())) {
                    spec.commandLine().getErr().println("countersign: --expires must be a future date (2027-03-01), instant or duration (90d)");
                    return ExitCode.USAGE;
                }
            }
            String key = ApiKeys.generate();
            String hash = ApiKeys.hash(key);
            var out = spec.commandLine().getOut();
            out.println(key);
            var err = spec.commandLine().getErr();
            err.println();
            err.println("Give the key above to " + principal + " (it is shown once; Countersign keeps only its hash).");
            err.println("Add this line under api_keys of principal '" + principal + "' in identities.yaml:");
            err.println();
            err.println(until == null ? "      - " + hash : "      - {hash: " + hash + ", expires: " + until.truncatedTo(ChronoUnit.SECONDS) + "}");
            err.println();
            err.println("Every node applies the change within seconds; `countersign status` shows each node's identities version.");
            out.flush();
            err.flush();
            return ExitCode.OK;
        }

        private Integer awsPair() {
            var err = spec.commandLine().getErr();
            if (expires != null) {
                err.println("countersign: --expires is for API keys; an AWS key pair ends when its id is deleted from identities.yaml");
                return ExitCode.USAGE;
            }
            java.nio.file.Path file = io.countersign.aws.AwsKeys.file(config);
            if (!java.nio.file.Files.isRegularFile(file)) {
                err.println("countersign: " + file + " does not exist: start the server once with an aws: section in countersign.yaml "
                        + "(it writes the key), or give --config the server's configuration directory");
                return ExitCode.USAGE;
            }
            io.countersign.aws.AwsKeys.Pair pair;
            try {
                pair = io.countersign.aws.AwsKeys.load(file).newPair();
            } catch (io.countersign.yaml.ConfigException e) {
                err.println("countersign: " + e.getMessage());
                return ExitCode.USAGE;
            }
            var out = spec.commandLine().getOut();
            out.println("aws_access_key_id = " + pair.accessKeyId());
            out.println("aws_secret_access_key = " + pair.secretAccessKey());
            err.println();
            err.println("Give the pair above to " + principal + " (the secret is shown once; Countersign derives it, and stores nothing).");
            err.println("Add this line under aws_access_keys of principal '" + principal + "' in identities.yaml:");
            err.println();
            err.println("      - " + pair.accessKeyId());
            err.println();
            err.println("Then point the AWS CLI or SDK at the gateway: aws --endpoint-url https://<countersign>/aws/ ...");
            out.flush();
            err.flush();
            return ExitCode.OK;
        }

        private static Instant expiry(String text) {
            Duration duration = DurationText.parse(text);
            if (duration != null) {
                return Instant.now().plus(duration);
            }
            return io.countersign.model.Instants.dateOrInstant(text);
        }
    }

    @Command(name = "hash", description = "Print the hash of an API key (read from standard input), as identities.yaml lists it.")
    static final class Hash implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "KEY", description = "The key; better read from standard input, kept out of the shell's history")
        String key;

        @Override
        public Integer call() throws IOException {
            String text = key;
            if (text == null) {
                text = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            }
            if (text == null || text.isBlank()) {
                spec.commandLine().getErr().println("countersign: keys hash: give the key on standard input");
                return ExitCode.USAGE;
            }
            spec.commandLine().getOut().println(ApiKeys.hash(text.strip()));
            spec.commandLine().getOut().flush();
            return ExitCode.OK;
        }
    }
}
