package io.countersign.connectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.model.ActionRequest;
import io.countersign.model.Intent;
import io.countersign.model.InvalidInputException;
import io.countersign.model.Resource;
import io.countersign.json.Json;
import io.countersign.yaml.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading connectors.yaml: secrets filled from the environment and owner-only files, every fault named. */
class ConnectorsFileTest {
    @TempDir
    Path config;

    private Connectors load(String yaml, Map<String, String> environment) throws IOException {
        Path file = config.resolve("connectors.yaml");
        Files.writeString(file, yaml);
        return ConnectorsFile.load(file, environment::get);
    }

    private static ActionRequest action(String name) {
        return new ActionRequest(name, new Resource("host", "h1", "staging", Map.of()), new Intent("test", null, null),
                null, null, null);
    }

    @Test
    void missingFileMeansNoConnectors() {
        assertThat(ConnectorsFile.load(config.resolve("absent.yaml"), name -> null).all()).isEmpty();
    }

    @Test
    void eachConnectorNamesTheResourceItActsOnAndARequestItRunsMustNameIt() throws IOException {
        assertThatThrownBy(() -> load("connectors:\n  - {name: a, type: exec, actions: [ops.echo], executables: {echo: /bin/echo}}\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("connector 'a'.resource").hasMessageContaining("{type: ..., id: ...}");
        Connectors connectors = load("""
                connectors:
                  - {name: echo, type: exec, resource: {type: host, id: demo}, actions: [ops.echo], executables: {echo: /bin/echo}}
                """, Map.of());
        connectors.checkTarget(io.countersign.json.ActionRequestJson.fromJson(Json.parse(
                "{\"action\": \"ops.echo\", \"resource\": {\"type\": \"host\", \"id\": \"demo\"}, \"intent\": {\"summary\": \"s\"}}")));
        ActionRequest elsewhere = io.countersign.json.ActionRequestJson.fromJson(Json.parse(
                "{\"action\": \"ops.echo\", \"resource\": {\"type\": \"host\", \"id\": \"staging-box\"}, \"intent\": {\"summary\": \"s\"}}"));
        assertThatThrownBy(() -> connectors.checkTarget(elsewhere))
                .isInstanceOfSatisfying(io.countersign.inventory.ResourceMismatchException.class, e -> {
                    assertThat(e.field()).isEqualTo("resource");
                    assertThat(e.getMessage()).contains("connector echo").contains("host demo").contains("host staging-box");
                });
    }

    @Test
    void firstConnectorWhoseActionsMatchServes() throws IOException {
        Connectors connectors = load("""
                connectors:
                  - {name: exact, type: exec, resource: {type: t, id: x}, actions: [ops.echo], executables: {echo: /bin/echo}}
                  - {name: prefix, type: exec, resource: {type: t, id: x}, actions: ["ops.*"], executables: {echo: /bin/echo}}
                """, Map.of());
        assertThat(connectors.serving(action("ops.echo")).map(Connector::name)).contains("exact");
        assertThat(connectors.serving(action("ops.list")).map(Connector::name)).contains("prefix");
        assertThat(connectors.serving(action("opsx"))).isEmpty();
        assertThat(Files.isDirectory(config.resolve("work/exact"))).isTrue();
    }

    @Test
    void secretsComeFromTheEnvironmentAndOwnerOnlyFiles() throws IOException {
        Path secrets = Files.createDirectories(config.resolve("secrets"));
        Files.writeString(secrets.resolve("db"), "file-secret-123\n");
        Files.setPosixFilePermissions(secrets.resolve("db"), PosixFilePermissions.fromString("rw-------"));
        Connectors connectors = load("""
                connectors:
                  - name: api
                    type: http
                    actions: [api.*]
                    resource: {type: http.api, id: internal}
                    base_url: http://127.0.0.1:9/base
                    headers: {Authorization: "Bearer ${env:API_TOKEN}"}
                  - name: db
                    type: sql
                    actions: [db.*]
                    resource: {type: postgres.database, id: test}
                    url: jdbc:postgresql://127.0.0.1:5432/test
                    password: ${file:secrets/db}
                """, Map.of("API_TOKEN", "env-secret-456"));
        HttpConnector api = (HttpConnector) connectors.all().get(0);
        SqlConnector db = (SqlConnector) connectors.all().get(1);
        assertThat(api.headers()).containsEntry("Authorization", "Bearer env-secret-456");
        assertThat(api.redactor().redact("echo: Bearer env-secret-456")).isEqualTo("echo: Bearer [redacted]");
        assertThat(db.password()).isEqualTo("file-secret-123");
        assertThat(db.redactor().redact("pw=file-secret-123")).isEqualTo("pw=[redacted]");
    }

    @Test
    void faultsNameTheSettingButNeverASecret() throws IOException {
        List<String> messages = new ArrayList<>();
        String[][] cases = {
                {"connectors:\n  - {name: a, type: exec, resource: {type: t, id: x}, actions: [x], executables: {echo: /bin/echo}, environment: {T: '${env:MISSING}'}}\n",
                        "connector 'a'.environment.T: the environment variable MISSING is not set"},
                {"connectors:\n  - {name: a, type: exec, resource: {type: t, id: x}, actions: [x], executables: {echo: echo}}\n",
                        "connector 'a'.executables.echo: 'echo' must be an absolute path"},
                {"connectors:\n  - {name: a, type: exec, resource: {type: t, id: x}, actions: [x], executables: {echo: /no/such/file}}\n",
                        "/no/such/file is not an executable file"},
                {"connectors:\n  - {name: a, type: ftp, resource: {type: t, id: x}, actions: [x]}\n", "'ftp' is not a connector type"},
                {"connectors:\n  - {name: a, type: http, resource: {type: t, id: x}, actions: [x], base_url: 'http://h/', executables: {}}\n",
                        "unknown key 'executables' for a http connector"},
                {"connectors:\n  - {name: a, type: http, resource: {type: t, id: x}, actions: [x], base_url: 'ftp://h/'}\n", "an http(s) URL"},
                {"connectors:\n  - {name: a, type: sql, resource: {type: t, id: x}, actions: [x], url: 'postgres://h'}\n", "starts with 'jdbc:'"},
                {"connectors:\n  - {name: a, type: sql, resource: {type: t, id: x}, actions: [], url: 'jdbc:sqlite::memory:'}\n", "list the actions"},
                {"connectors:\n  - {name: a, type: http, resource: {type: t, id: x}, actions: [x], base_url: 'http://h', headers: {X: '${env:SHORT}'}}\n",
                        "shorter than 4 characters"},
                {"connectors:\n  - {name: a, type: sql, resource: {type: t, id: x}, actions: [x], url: 'jdbc:sqlite::memory:'}\n  - {name: a, type: sql, actions: [y], url: 'jdbc:sqlite::memory:'}\n",
                        "the name 'a' is used twice"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> load(c[0], Map.of("SHORT", "abc"))).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(c[1]).hasMessageNotContaining("abc'").satisfies(e -> messages.add(e.getMessage()));
        }
        assertThat(messages).allSatisfy(m -> assertThat(m).startsWith("connectors.yaml: "));
    }

    @Test
    void secretFileReadableByOthersIsRefused() throws IOException {
        Files.writeString(config.resolve("token"), "group-readable-secret");
        Files.setPosixFilePermissions(config.resolve("token"), PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> load("connectors:\n  - {name: a, type: http, resource: {type: t, id: x}, actions: [x], base_url: 'http://h', headers: {X: '${file:token}'}}\n",
                Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("readable by its owner only")
                .hasMessageNotContaining("group-readable-secret");
    }

    @Test
    void payloadsAreCheckedAgainstTheConnectorNamingTheField() throws IOException {
        Connectors connectors = load("""
                connectors:
                  - {name: tools, type: exec, resource: {type: t, id: x}, actions: [ops.run], executables: {echo: /bin/echo}}
                  - {name: api, type: http, resource: {type: t, id: x}, actions: [api.call], base_url: "http://127.0.0.1:9/v1", methods: [GET, POST],
                     headers: {Authorization: "Bearer ${env:TOKEN}"}}
                  - {name: db, type: sql, resource: {type: t, id: x}, actions: [db.run], url: "jdbc:sqlite::memory:"}
                """, Map.of("TOKEN", "a-long-token"));
        Connector tools = connectors.all().get(0);
        Connector api = connectors.all().get(1);
        Connector db = connectors.all().get(2);
        Object[][] refused = {
                {tools, "{}", "payload.argv"},
                {tools, "{\"argv\": []}", "payload.argv"},
                {tools, "{\"argv\": [\"rm\", \"-rf\", \"/\"]}", "payload.argv[0]"},
                {tools, "{\"argv\": [\"/bin/echo\"]}", "payload.argv[0]"},
                {tools, "{\"argv\": [\"echo\", 42]}", "payload.argv[1]"},
                {tools, "{\"argv\": [\"echo\", \"a\\u0000b\"]}", "payload.argv[1]"},
                {tools, "{\"argv\": [\"echo\"], \"shell\": true}", "payload.shell"},
                {api, "{\"method\": \"DELETE\", \"path\": \"/x\"}", "payload.method"},
                {api, "{\"method\": \"GET\", \"path\": \"x\"}", "payload.path"},
                {api, "{\"method\": \"GET\", \"path\": \"//evil.example/x\"}", "payload.path"},
                {api, "{\"method\": \"GET\", \"path\": \"/a/../../admin\"}", "payload.path"},
                {api, "{\"method\": \"GET\", \"path\": \"/a/%2e%2e/admin\"}", "payload.path"},
                {api, "{\"method\": \"GET\", \"path\": \"/a%2f..%2fadmin\"}", "payload.path"},
                {api, "{\"method\": \"GET\", \"path\": \"/a\\\\b\"}", "payload.path"},
                {api, "{\"method\": \"GET\", \"path\": \"/a b\"}", "payload.path"},
                {api, "{\"method\": \"GET\", \"path\": \"/x\", \"headers\": {\"authorization\": \"Bearer mine\"}}", "payload.headers.authorization"},
                {api, "{\"method\": \"GET\", \"path\": \"/x\", \"headers\": {\"Host\": \"evil\"}}", "payload.headers.Host"},
                {api, "{\"method\": \"GET\", \"path\": \"/x\", \"headers\": {\"X-A\": \"1\\r\\nX-B: 2\"}}", "payload.headers.X-A"},
                {api, "{\"method\": \"GET\", \"path\": \"/x\", \"body\": \"data\"}", "payload.body"},
                {db, "{}", "payload"},
                {db, "{\"sql\": \"select 1\", \"statements\": []}", "payload"},
                {db, "{\"statements\": []}", "payload.statements"},
                {db, "{\"statements\": [{\"sql\": \"select ?\", \"params\": [[1]]}]}", "payload.statements[0].params[0]"},
        };
        for (Object[] c : refused) {
            assertThatThrownBy(() -> ((Connector) c[0]).check(Json.parse((String) c[1])))
                    .as((String) c[1]).isInstanceOf(InvalidInputException.class)
                    .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo(c[2]));
        }
        tools.check(Json.parse("{\"argv\": [\"echo\", \"a; rm -rf / $(id) `id` | &&\"]}"));
        api.check(Json.parse("{\"method\": \"post\", \"path\": \"/users/42/roles?dry_run=true\", \"body\": {\"role\": \"reader\"}}"));
        db.check(Json.parse("{\"statements\": [\"select 1\", {\"sql\": \"select ?\", \"params\": [1, \"a\", null, true, 2.5]}]}"));
    }
}
