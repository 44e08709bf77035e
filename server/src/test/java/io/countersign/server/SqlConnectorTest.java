package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Proxy mode with the sql connector against the real PostgreSQL on this machine (127.0.0.1:5432, database
 * {@code test}; {@code .ci/run} starts it): one transaction per action, capped results, timeouts.
 */
class SqlConnectorTest {
    static final String URL = System.getenv().getOrDefault("COUNTERSIGN_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    static final String USER = System.getenv().getOrDefault("COUNTERSIGN_TEST_POSTGRES_USER", "postgres");

    @TempDir
    Path config;

    TestServer server;
    final String table = "proxy_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);

    @BeforeEach
    void start() throws IOException {
        Path secrets = Files.createDirectories(config.resolve("secrets"));
        Files.writeString(secrets.resolve("db-password"), "not-needed-with-trust-auth");
        Files.setPosixFilePermissions(secrets.resolve("db-password"), PosixFilePermissions.fromString("rw-------"));
        server = TestServer.withConnectors(config, """
                connectors:
                  - name: warehouse
                    type: sql
                    actions: [db.change]
                    resource: {type: postgres.database, id: test}
                    url: %s
                    user: %s
                    password: ${file:secrets/db-password}
                    max_rows: 5
                    timeout: 1s
                  - name: reports
                    type: sql
                    actions: [db.report]
                    resource: {type: postgres.database, id: test}
                    url: %s
                    user: %s
                    read_only: true
                """.formatted(URL, USER, URL, USER));
    }

    @AfterEach
    void stop() throws SQLException {
        server.close();
        try (Connection connection = connect()) {
            connection.createStatement().execute("DROP TABLE IF EXISTS " + table);
        }
    }

    private static Connection connect() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", USER);
        return DriverManager.getConnection(URL, properties);
    }

    private List<String> names() throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection connection = connect(); ResultSet rows = connection.createStatement().executeQuery("SELECT name FROM " + table + " ORDER BY id")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        return names;
    }

    private JsonNode run(String action, String payload) {
        TestServer.Answer submitted = server.post("agent", "/v1/actions", """
                {"action": "%s", "resource": {"type": "postgres.database", "id": "test", "env": "staging"},
                 "intent": {"summary": "maintain the test table"}, "payload": %s}
                """.formatted(action, payload));
        assertThat(submitted.status()).as(submitted.body().toString()).isEqualTo(200);
        var body = Json.object();
        body.put("grant", submitted.body().path("grant").path("token").asString());
        TestServer.Answer ran = server.post("agent", "/v1/actions/" + submitted.id() + "/execute", Json.text(body));
        assertThat(ran.status()).isEqualTo(200);
        return ran.body();
    }

    private void createTable() {
        JsonNode created = run("db.change", """
                {"statements": ["CREATE TABLE %s (id int PRIMARY KEY, name text NOT NULL)",
                                {"sql": "INSERT INTO %s VALUES (?, ?), (?, ?)", "params": [1, "alpha", 2, "beta; DROP TABLE x"]}]}
                """.formatted(table, table));
        assertThat(created.path("result").path("outcome").asString()).isEqualTo("succeeded");
    }

    @Test
    void statementsRunInOneTransactionWithParametersAndResultsComeBack() throws SQLException {
        createTable();
        JsonNode ran = run("db.change", """
                {"statements": [{"sql": "UPDATE %s SET name = ? WHERE id = ?", "params": ["gamma", 1]},
                                "SELECT id, name FROM %s ORDER BY id"]}
                """.formatted(table, table));
        JsonNode results = ran.path("result").path("results");
        assertThat(results.get(0).path("update_count").asLong()).isEqualTo(1);
        assertThat(results.get(1).path("columns").toString()).isEqualTo("[\"id\",\"name\"]");
        assertThat(results.get(1).path("rows").toString()).isEqualTo("[[1,\"gamma\"],[2,\"beta; DROP TABLE x\"]]");
        assertThat(ran.path("status").asString()).isEqualTo("executed");
        assertThat(names()).containsExactly("gamma", "beta; DROP TABLE x");
        JsonNode outcome = server.auditEntries(ran.path("id").asString()).getLast();
        assertThat(outcome.path("detail").path("detail").asString()).isEqualTo("2 statement(s) committed, 2 row(s) returned");
    }

    @Test
    void aFailingStatementRollsBackTheWholeAction() throws SQLException {
        createTable();
        JsonNode ran = run("db.change", """
                {"statements": ["INSERT INTO %s VALUES (3, 'gamma')", "INSERT INTO %s VALUES (1, 'duplicate')"]}
                """.formatted(table, table));
        assertThat(ran.path("status").asString()).isEqualTo("failed");
        assertThat(ran.path("result").path("error").asString()).contains("SQLSTATE 23505").contains("rolled back");
        assertThat(names()).containsExactly("alpha", "beta; DROP TABLE x");
    }

    @Test
    void resultsAreCappedInRows() {
        JsonNode result = run("db.change", "{\"sql\": \"SELECT g FROM generate_series(1, 100) AS g\"}").path("result");
        assertThat(result.path("results").get(0).path("rows")).hasSize(5);
        assertThat(result.path("truncated").asBoolean()).isTrue();
        assertThat(result.path("outcome").asString()).isEqualTo("succeeded");
    }

    @Test
    void aStatementThatRunsTooLongIsCancelledAndRolledBack() throws SQLException {
        createTable();
        long started = System.nanoTime();
        JsonNode ran = run("db.change", """
                {"statements": ["DELETE FROM %s", "SELECT pg_sleep(30)"]}
                """.formatted(table));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(ran.path("result").path("timed_out").asBoolean()).isTrue();
        assertThat(ran.path("status").asString()).isEqualTo("failed");
        assertThat(names()).hasSize(2);
    }

    @Test
    void aReadOnlyConnectorCannotWrite() throws SQLException {
        createTable();
        JsonNode ran = run("db.report", "{\"sql\": \"DELETE FROM %s\"}".formatted(table));
        assertThat(ran.path("status").asString()).isEqualTo("failed");
        assertThat(ran.path("result").path("error").asString()).contains("read-only");
        assertThat(names()).hasSize(2);
        JsonNode read = run("db.report", "{\"sql\": \"SELECT count(*) AS n FROM %s\"}".formatted(table));
        assertThat(read.path("result").path("results").get(0).path("rows").toString()).isEqualTo("[[2]]");
    }

    private TestServer.Answer submit(String action, String payload) {
        return server.post("agent", "/v1/actions", """
                {"action": "%s", "resource": {"type": "postgres.database", "id": "test", "env": "staging"},
                 "intent": {"summary": "maintain the test table"}, "payload": %s}
                """.formatted(action, payload));
    }

    @Test
    void statementsThatEndOrSteerTheTransactionOrChangeTheSessionAreRefusedOnSubmit() throws SQLException {
        createTable();
        String[][] attempts = {
                // Switch the read-only transaction to read-write before its first query.
                {"db.report", "{\"statements\": [\"SET TRANSACTION READ WRITE\", \"DELETE FROM %1$s\"]}", "payload.statements[0]"},
                // Commit half of the approved statements, then fail the rest.
                {"db.change", "{\"statements\": [\"DELETE FROM %1$s WHERE id = 1\", \"COMMIT\", \"INSERT INTO %1$s VALUES (1, NULL)\"]}",
                        "payload.statements[1]"},
                // Two statements in one entry: the second ends the transaction.
                {"db.change", "{\"sql\": \"DELETE FROM %1$s WHERE id = 1; COMMIT; SELECT 1/0\"}", "payload.sql"},
                {"db.report", "{\"sql\": \"/* hi */ begin; delete from %1$s\"}", "payload.sql"},
                {"db.change", "{\"sql\": \"SET ROLE postgres\"}", "payload.sql"},
                {"db.report", "{\"sql\": \"set session characteristics as transaction read write\"}", "payload.sql"},
                {"db.change", "{\"sql\": \"-- a comment\\nROLLBACK\"}", "payload.sql"},
        };
        for (String[] attempt : attempts) {
            TestServer.Answer refused = submit(attempt[0], attempt[1].formatted(table));
            assertThat(refused.status()).as(attempt[1]).isEqualTo(400);
            assertThat(refused.body().path("error").path("field").asString()).as(attempt[1]).isEqualTo(attempt[2]);
        }
        assertThat(names()).containsExactly("alpha", "beta; DROP TABLE x");

        // Text that only looks like a second statement is one: in a string, a dollar-quoted body, a comment.
        JsonNode quoted = run("db.change", """
                {"statements": [{"sql": "INSERT INTO %s VALUES (3, 'gamma; COMMIT')"},
                                "INSERT INTO %s VALUES (4, $body$delta; ROLLBACK$body$) -- ; COMMIT"]}""".formatted(table, table));
        assertThat(quoted.path("result").path("outcome").asString()).isEqualTo("succeeded");
        assertThat(names()).containsExactly("alpha", "beta; DROP TABLE x", "gamma; COMMIT", "delta; ROLLBACK");
    }

    @Test
    void aReadOnlyTransactionCannotBeTurnedReadWriteByAFunctionEither() throws SQLException {
        createTable();
        JsonNode ran = run("db.report", """
                {"statements": ["SELECT set_config('transaction_read_only', 'off', true)", "DELETE FROM %s"]}""".formatted(table));
        assertThat(ran.path("status").asString()).isEqualTo("failed");
        assertThat(ran.path("result").path("error").asString()).contains("read");
        assertThat(names()).hasSize(2);
    }
}
