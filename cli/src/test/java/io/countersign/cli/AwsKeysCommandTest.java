package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.aws.AwsKeys;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code countersign keys new --aws}: a key pair whose secret the gateway derives, and the id line to paste. */
class AwsKeysCommandTest {
    @TempDir
    Path config;

    @Test
    void aPairIsPrintedWithTheIdLineAndItsSecretIsTheOneTheGatewayDerives() {
        AwsKeys gateway = AwsKeys.loadOrCreate(AwsKeys.file(config));
        Cli.Run made = Cli.run("keys", "new", "--aws", "--principal", "deploy-agent", "--config", config.toString());
        assertThat(made.exit()).as(made.err()).isEqualTo(ExitCode.OK);
        Matcher pair = Pattern.compile("aws_access_key_id = (AKCS[A-Z2-7]{16})\\naws_secret_access_key = (\\S{40})\\n").matcher(made.out());
        assertThat(pair.find()).as(made.out()).isTrue();
        assertThat(gateway.secretOf(pair.group(1))).isEqualTo(pair.group(2));
        assertThat(made.err()).contains("under aws_access_keys of principal 'deploy-agent'").contains("      - " + pair.group(1))
                .doesNotContain(pair.group(2));
    }

    @Test
    void withoutTheGatewaysKeyItSaysWhereItLooked() {
        Cli.Run run = Cli.run("keys", "new", "--aws", "--principal", "deploy-agent", "--config", config.toString());
        assertThat(run.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(run.err()).contains(AwsKeys.file(config).toString()).contains("does not exist");
    }
}
