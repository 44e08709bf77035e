package io.countersign.channels.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.yaml.ConfigException;
import io.countersign.yaml.Yaml;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlackSettingsTest {
    private static final Map<String, String> ENV = Map.of("BOT", "xoxb-secret-bot", "SIGNING", "signing-secret-value", "APP", "xapp-secret-app");

    private static SlackSettings read(String yaml) {
        return SlackSettings.read(Yaml.parse("countersign.yaml", yaml).get("slack"), Path.of("/nonexistent"), ENV::get, "countersign.yaml: slack");
    }

    @Test
    void anAppTokenAloneTurnsOnSocketModeAndLeavesTheRequestUrlOff() {
        SlackSettings settings = read("slack: {bot_token: '${env:BOT}', app_token: '${env:APP}'}");
        assertThat(settings.socketMode()).isTrue();
        assertThat(settings.requestUrl()).isFalse();
        assertThat(settings.appToken()).isEqualTo("xapp-secret-app");
        assertThat(settings.toString()).doesNotContain("secret");
    }

    @Test
    void aSigningSecretAloneIsTheRequestUrlOnly() {
        SlackSettings settings = read("slack: {bot_token: '${env:BOT}', signing_secret: '${env:SIGNING}'}");
        assertThat(settings.socketMode()).isFalse();
        assertThat(settings.requestUrl()).isTrue();
    }

    @Test
    void withNeitherNoClickCouldArriveSoStartUpIsRefused() {
        assertThatThrownBy(() -> read("slack: {bot_token: '${env:BOT}'}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("signing_secret").hasMessageContaining("app_token");
    }

    @Test
    void aTokenWrittenIntoTheFileIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> read("slack: {bot_token: '${env:BOT}', app_token: xapp-1-literal-value}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("slack.app_token must be a reference")
                .hasMessageNotContaining("xapp-1-literal-value");
    }
}
