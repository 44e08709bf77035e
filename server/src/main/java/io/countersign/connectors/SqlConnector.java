package io.countersign.connectors;

import io.countersign.json.Json;
import io.countersign.json.JsonFields;
import io.countersign.lifecycle.Execution;
import io.countersign.model.InvalidInputException;
import io.countersign.policy.DurationText;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs the approved statements over JDBC, all in one transaction: either every statement takes effect
 * or none does. Results are capped in rows and bytes; a capped result says so.
 *
 * <p>Payload: {@code {"sql": "..."}} or {@code {"statements": ["...", {"sql": "... ? ...", "params": [1, "a"]}]}}.
 *
 * @param password may be a secret; the connection is made per run, so a rotated secret needs only a restart
 */
public record SqlConnector(String name, ActionPatterns actions, String url, String user, String password, boolean readOnly,
                           long maxRows, long maxBytes, Duration timeout, Redactor redactor) implements Connector {
    private static final int MAX_STATEMENTS = 100;
    private static final int MAX_SQL = 256 * 1024;

    @Override
    public String type() {
        return "sql";
    }

    private record Statement(String sql, List<JsonNode> params) {
    }

    @Override
    public void check(JsonNode payload) {
        statements(payload);
    }

    private List<Statement> statements(JsonNode payload) {
        JsonFields fields = JsonFields.of(payload, "payload").onlyAllow(Set.of("sql", "statements"));
        if (fields.has("sql") == fields.has("statements")) {
            throw new InvalidInputException("payload", "the payload of a sql action has either 'sql' (one statement) or 'statements' (a list)");
        }
        if (fields.has("sql")) {
            return List.of(new Statement(sql(fields.requiredString("sql", MAX_SQL), "payload.sql"), List.of()));
        }
        JsonNode list = fields.get("statements");
        if (!list.isArray() || list.isEmpty() || list.size() > MAX_STATEMENTS) {
            throw new InvalidInputException("payload.statements", "'payload.statements' must be a list of 1 to " + MAX_STATEMENTS + " statements");
        }
        List<Statement> statements = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String where = "payload.statements[" + i + "]";
            JsonNode item = list.get(i);
            if (item.isString()) {
                statements.add(new Statement(sql(item.stringValue(), where), List.of()));
                continue;
            }
            JsonFields statement = JsonFields.of(item, where).onlyAllow(Set.of("sql", "params"));
            String sql = sql(statement.requiredString("sql", MAX_SQL), where + ".sql");
            List<JsonNode> params = new ArrayList<>();
            JsonNode given = statement.get("params");
            if (given != null) {
                if (!given.isArray()) {
                    throw new InvalidInputException(where + ".params", "'" + where + ".params' must be a list of values");
                }
                for (int p = 0; p < given.size(); p++) {
                    if (given.get(p).isContainer()) {
                        throw new InvalidInputException(where + ".params[" + p + "]", "a parameter is a string, number, boolean or null");
                    }
                    params.add(given.get(p));
                }
            }
            statements.add(new Statement(sql, params));
        }
        return statements;
    }

    /**
     * One statement, which neither ends nor steers the transaction nor changes the session: the connector runs
     * an action's statements in one transaction it owns, read-only when configured so, as approved.
     */
    private static String sql(String text, String where) {
        if (text.isBlank() || text.length() > MAX_SQL) {
            throw new InvalidInputException(where, "'" + where + "' must be a statement of 1 to " + MAX_SQL + " characters");
        }
        List<String> statements = SqlStatements.split(text);
        if (statements.size() != 1) {
            throw new InvalidInputException(where, "'" + where + "' holds " + statements.size() + " statements; give one per entry of "
                    + "payload.statements, so that each is reviewed and run as what it is");
        }
        String keyword = SqlStatements.firstKeyword(statements.getFirst());
        if (SqlStatements.FORBIDDEN.contains(keyword)) {
            throw new InvalidInputException(where, "'" + where + "' is a " + keyword + " statement: the connector owns the transaction "
                    + "and the session (all of an action's statements take effect together, read-only where configured), so "
                    + "statements that end, begin or steer the transaction or change the session are refused");
        }
        return text;
    }

    @Override
    public ConnectorResult run(JsonNode payload, OutputSink output) {
        List<Statement> statements = statements(payload);
        ObjectNode result = Json.object();
        result.put("connector", name);
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        Properties properties = new Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        if (url.startsWith("jdbc:postgresql:")) {
            // An unreachable database fails the run within the timeout rather than hanging it.
            String seconds = Long.toString(Math.max(1, timeout.toSeconds()));
            properties.setProperty("connectTimeout", seconds);
            properties.setProperty("loginTimeout", seconds);
        }
        ArrayNode results = result.putArray("results");
        Budget budget = new Budget(maxRows, maxBytes);
        try (Connection connection = DriverManager.getConnection(url, properties)) {
            connection.setAutoCommit(false);
            connection.setReadOnly(readOnly);
            try {
                if (readOnly) {
                    // A query first: the transaction has a snapshot, and PostgreSQL refuses from then on to switch it to
                    // read-write, whatever a statement tries (SET TRANSACTION, set_config).
                    try (var first = connection.createStatement()) {
                        first.execute("SELECT 1");
                    }
                }
                for (Statement statement : statements) {
                    results.add(execute(connection, statement, deadline, budget));
                }
                if (stillOpen(connection) == Boolean.FALSE) {
                    throw new SQLException("a statement ended the transaction before the connector committed it");
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection);
                throw e;
            }
        } catch (SQLException e) {
            // 57014: PostgreSQL cancelled the statement at the query timeout.
            boolean timedOut = e instanceof SQLTimeoutException || System.nanoTime() >= deadline || "57014".equals(e.getSQLState());
            String message = timedOut ? "timed out after " + DurationText.format(timeout) + "; the transaction was rolled back"
                    : "the database refused it" + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")")
                    + ": " + redactor.redact(String.valueOf(e.getMessage())) + "; the transaction was rolled back";
            result.remove("results");
            return ConnectorResult.failed(result, message, started, timedOut);
        }
        result.put("truncated", budget.truncated);
        result.put("duration_ms", (System.nanoTime() - started) / 1_000_000);
        String summary = statements.size() + " statement(s) committed, " + budget.rows + " row(s) returned"
                + (budget.truncated ? " (truncated)" : "");
        return new ConnectorResult(Execution.Outcome.SUCCEEDED, summary, (ObjectNode) redactor.redact(result));
    }

    /** What is left of the caps for the whole run. */
    private static final class Budget {
        long rows;
        long bytes;
        boolean truncated;
        final long maxRows;
        final long maxBytes;

        Budget(long maxRows, long maxBytes) {
            this.maxRows = maxRows;
            this.maxBytes = maxBytes;
        }
    }

    private ObjectNode execute(Connection connection, Statement statement, long deadline, Budget budget) throws SQLException {
        try (PreparedStatement prepared = connection.prepareStatement(statement.sql())) {
            for (int i = 0; i < statement.params().size(); i++) {
                JsonNode param = statement.params().get(i);
                Object value = param.isNull() ? null : param.isBoolean() ? param.booleanValue()
                        : param.isIntegralNumber() && param.canConvertToLong() ? param.longValue()
                        : param.isNumber() ? param.decimalValue() : param.asString();
                prepared.setObject(i + 1, value);
            }
            long left = Math.max(1, (deadline - System.nanoTime() + 999_999_999) / 1_000_000_000);
            prepared.setQueryTimeout((int) Math.min(Integer.MAX_VALUE, left));
            ObjectNode answer = Json.object();
            if (prepared.execute()) {
                try (ResultSet rows = prepared.getResultSet()) {
                    read(rows, answer, budget);
                }
            } else {
                answer.put("update_count", prepared.getLargeUpdateCount());
            }
            return answer;
        }
    }

    private static void read(ResultSet rows, ObjectNode answer, Budget budget) throws SQLException {
        ResultSetMetaData meta = rows.getMetaData();
        ArrayNode columns = answer.putArray("columns");
        for (int c = 1; c <= meta.getColumnCount(); c++) {
            columns.add(meta.getColumnLabel(c));
        }
        ArrayNode out = answer.putArray("rows");
        long kept = 0;
        while (rows.next()) {
            if (budget.rows >= budget.maxRows || budget.bytes >= budget.maxBytes) {
                budget.truncated = true;
                break;
            }
            ArrayNode row = out.addArray();
            for (int c = 1; c <= meta.getColumnCount(); c++) {
                Object value = rows.getObject(c);
                switch (value) {
                    case null -> row.addNull();
                    case Boolean b -> row.add(b);
                    case Integer n -> row.add(n);
                    case Long n -> row.add(n);
                    case Short n -> row.add(n);
                    case BigDecimal n -> row.add(n);
                    case Double n -> row.add(n);
                    case Float n -> row.add(n);
                    case byte[] bytes -> row.add(Base64.getEncoder().encodeToString(bytes));
                    default -> row.add(value.toString());
                }
                budget.bytes += value == null ? 4 : value.toString().getBytes(StandardCharsets.UTF_8).length;
            }
            budget.rows++;
            kept++;
        }
        answer.put("row_count", kept);
    }

    /**
     * Whether the transaction the connector began is still open, as PostgreSQL's driver knows it; null for other
     * databases. Statements that could end it are refused on submit: this is what would catch one that slipped by.
     */
    private static Boolean stillOpen(Connection connection) throws SQLException {
        if (!connection.isWrapperFor(org.postgresql.core.BaseConnection.class)) {
            return null;
        }
        return connection.unwrap(org.postgresql.core.BaseConnection.class).getTransactionState() != org.postgresql.core.TransactionState.IDLE;
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            // The connection is closed next; the database rolls back an unfinished transaction itself.
        }
    }

}
