package io.countersign.channels.teams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.yaml.ConfigException;
import io.countersign.yaml.Yaml;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TeamsSettingsTest {
    private static final Map<String, String> ENV = Map.of("SECRET", "client-secret-value",
            "FLOW", "https://prod-01.westeurope.logic.azure.com/workflows/abc?sig=flow-signature-value");

    private static TeamsSettings read(String yaml) {
        return TeamsSettings.read(Yaml.parse("countersign.yaml", yaml).get("teams"), Path.of("/nonexistent"), ENV::get, "countersign.yaml: teams");
    }

    @Test
    void aBotTalksToMicrosoftsEndpointsUnlessToldOtherwise() {
        TeamsSettings settings = read("teams: {app_id: app-1, client_secret: '${env:SECRET}', tenant_id: tid-1, conversations: {ops: '19:x@thread.tacv2'}}");
        TeamsSettings.Bot bot = settings.bot();
        assertThat(bot.serviceUrl()).isEqualTo(URI.create("https://smba.trafficmanager.net/teams/"));
        assertThat(bot.serviceUrlHosts()).containsExactly("smba.trafficmanager.net");
        assertThat(bot.tokenUrl()).isEqualTo(URI.create("https://login.microsoftonline.com/tid-1/oauth2/v2.0/token"));
        assertThat(bot.openIdMetadata()).containsExactly(URI.create("https://login.botframework.com/v1/.well-known/openidconfiguration"),
                URI.create("https://login.microsoftonline.com/tid-1/v2.0/.well-known/openid-configuration"));
        assertThat(bot.issuers()).containsExactlyInAnyOrder("https://api.botframework.com", "https://sts.windows.net/tid-1/",
                "https://login.microsoftonline.com/tid-1/v2.0");
        assertThat(bot.allowedTenants()).containsExactly("tid-1");
        assertThat(settings.conversation("ops")).isEqualTo("19:x@thread.tacv2");
        assertThat(settings.toString()).doesNotContain("client-secret-value");
    }

    @Test
    void workflowsAloneAreNotifyOnlyAndNeedTheConsoleToLinkTo() {
        TeamsSettings settings = read("teams: {workflows: {alerts: '${env:FLOW}'}, console_url: 'https://cs.example.com'}");
        assertThat(settings.bot()).isNull();
        assertThat(settings.consoleUrl()).isEqualTo(URI.create("https://cs.example.com/"));
        assertThat(settings.toString()).doesNotContain("flow-signature-value");
        assertThatThrownBy(() -> read("teams: {workflows: {alerts: '${env:FLOW}'}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("teams.console_url is needed with workflows");
    }

    @Test
    void secretsWrittenIntoTheFileAreRefusedWithoutEchoingThem() {
        assertThatThrownBy(() -> read("teams: {app_id: app-1, client_secret: literal-secret-value, tenant_id: tid-1}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("teams.client_secret must be a reference")
                .hasMessageNotContaining("literal-secret-value");
        assertThatThrownBy(() -> read("teams: {workflows: {alerts: 'https://x.example/?sig=literal-sig'}, console_url: 'https://cs.example.com'}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("teams.workflows must be a reference")
                .hasMessageNotContaining("literal-sig");
    }

    @Test
    void incompleteOrAmbiguousSettingsAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> read("teams: {app_id: app-1, tenant_id: tid-1}")).hasMessageContaining("teams.client_secret is missing");
        assertThatThrownBy(() -> read("teams: {app_id: app-1, client_secret: '${env:SECRET}'}")).hasMessageContaining("teams.tenant_id is missing");
        assertThatThrownBy(() -> read("teams: {conversations: {ops: '19:x'}, workflows: {a: '${env:FLOW}'}, console_url: 'https://c.example'}"))
                .hasMessageContaining("teams.conversations needs app_id");
        assertThatThrownBy(() -> read("teams: {console_url: 'https://c.example'}")).hasMessageContaining("set app_id");
        assertThatThrownBy(() -> read("teams: {app_id: app-1, client_secret: '${env:SECRET}', tenant_id: tid-1,"
                + " conversations: {ops: '19:x'}, workflows: {ops: '${env:FLOW}'}, console_url: 'https://c.example'}"))
                .hasMessageContaining("'ops' names both a conversation and a workflow");
        assertThatThrownBy(() -> read("teams: {app_id: app-1, client_secret: '${env:SECRET}', tenant_id: tid-1, service_url: 'ftp://x'}"))
                .hasMessageContaining("teams.service_url");
        assertThatThrownBy(() -> read("teams: {app_id: app-1, client_secret: '${env:SECRET}', tenant_id: tid-1, bot_token: x}"))
                .hasMessageContaining("unknown key 'bot_token'");
    }
}
