package io.countersign.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.mcp.GatewaySettings;
import io.countersign.yaml.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewaySettingsTest {
    @TempDir
    Path dir;

    private GatewaySettings load(String yaml) throws Exception {
        Path file = dir.resolve("mcp.yaml");
        Files.writeString(file, yaml);
        return GatewaySettings.load(file, Map.of("DOCS_TOKEN", "t0ken-value")::get);
    }

    @Test
    void readsCommandAndUrlUpstreamsWithSecretsFromTheEnvironment() throws Exception {
        GatewaySettings settings = load("""
                hold: 5s
                on_pending: error
                servers:
                  fs: {command: [node, server.js, /data]}
                  docs: {url: "https://mcp.example.com/mcp", headers: {Authorization: "Bearer ${env:DOCS_TOKEN}"}}
                """);
        assertThat(settings.hold()).isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.pendingAsError()).isTrue();
        assertThat(settings.env()).isEqualTo("prod");
        assertThat(settings.servers()).hasSize(2);
        var docs = (GatewaySettings.Upstream.Url) settings.servers().get(1);
        assertThat(docs.headers()).containsEntry("Authorization", "Bearer t0ken-value");
        assertThat(docs.toString()).doesNotContain("t0ken-value");
    }

    @Test
    void aUrlIsShownWithoutTheSecretsAUserOrAQueryMayHold() throws Exception {
        var url = (GatewaySettings.Upstream.Url) load("servers: {docs: {url: 'https://bot:hunter2@mcp.example.com:8443/v1/mcp?key=abc123'}}")
                .servers().getFirst();
        assertThat(url.shown()).isEqualTo("https://mcp.example.com:8443/v1/mcp");
        assertThat(url.toString()).doesNotContain("hunter2").doesNotContain("abc123");
    }

    @Test
    void mistakesNameTheSettingAndTheProblem() {
        assertThatThrownBy(() -> load("servers: {}")).isInstanceOf(ConfigException.class).hasMessageContaining("at least one upstream");
        assertThatThrownBy(() -> load("servers: {fs: {command: [node], url: 'http://x/'}}")).hasMessageContaining("servers.fs").hasMessageContaining("exactly one");
        assertThatThrownBy(() -> load("servers: {'f s': {command: [node]}}")).hasMessageContaining("server name");
        assertThatThrownBy(() -> load("on_pending: wait\nservers: {fs: {command: [node]}}")).hasMessageContaining("on_pending");
        assertThatThrownBy(() -> load("servers: {fs: {url: 'ftp://x/'}}")).hasMessageContaining("servers.fs.url");
        assertThatThrownBy(() -> load("holds: 1s\nservers: {fs: {command: [node]}}")).hasMessageContaining("unknown key 'holds'");
        assertThatThrownBy(() -> load("servers: {fs: {command: [node], lables: {}}}")).hasMessageContaining("servers.fs").hasMessageContaining("unknown key 'lables'");
        assertThatThrownBy(() -> load("servers: {fs: {command: [node], labels: {read_only: true}}}"))
                .hasMessageContaining("servers.fs.labels.read_only").hasMessageContaining("quote true");
        assertThatThrownBy(() -> load("servers: {fs: {command: [node], tools: {'read.file': {}}}}")).hasMessageContaining("servers.fs.tools.read.file");
        assertThatThrownBy(() -> load("servers: {fs: {command: [node], tools: {read: {labels: {tool: x}}}}}")).hasMessageContaining("sets this label itself");
        assertThatThrownBy(() -> load("servers: {fs: {command: [node], tools: {read: {action: x}}}}")).hasMessageContaining("takes only labels");
    }

    @Test
    void labelsComeFromTheSettingsServerWideThenPerToolOverMcpsDefaults() throws Exception {
        var fs = load("""
                servers:
                  fs:
                    command: [node]
                    labels: {system: files, destructive: "false"}
                    tools:
                      write_file: {labels: {destructive: "true"}}
                      read_file: {labels: {read_only: "true"}}
                    only_listed_tools: true
                """).servers().getFirst().labels();
        assertThat(fs.of("read_file")).containsEntry("read_only", "true").containsEntry("destructive", "false").containsEntry("system", "files")
                .containsEntry("open_world", "true");
        assertThat(fs.of("write_file")).containsEntry("read_only", "false").containsEntry("destructive", "true");
        assertThat(fs.offers("read_file")).isTrue();
        assertThat(fs.offers("delete_file")).as("only listed tools").isFalse();
        var open = load("servers: {fs: {command: [node]}}").servers().getFirst().labels();
        assertThat(open.of("anything")).containsEntry("read_only", "false").containsEntry("destructive", "true");
        assertThat(open.offers("anything")).isTrue();
        assertThat(open.offers("read.file")).as("a name that would add parts to an action name").isFalse();
    }
}
