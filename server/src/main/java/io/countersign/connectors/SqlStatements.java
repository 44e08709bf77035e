package io.countersign.connectors;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What an approved SQL text holds, read the way PostgreSQL's lexer reads it: quoted strings ({@code '...'},
 * {@code E'...'}), quoted identifiers, dollar-quoted bodies ({@code $tag$...$tag$}), line and nested block
 * comments. It finds where one statement ends and another begins, and each statement's first keyword, so that
 * an entry holds one statement and none of them takes over what the connector owns: the one transaction and
 * the session's read-only mode and role.
 */
final class SqlStatements {
    /**
     * Statements that end, begin or steer the transaction, or change the session (role, read-only mode,
     * settings): each would break the promise that an action's statements take effect together, as approved.
     */
    static final Set<String> FORBIDDEN = Set.of("BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SET", "RESET", "DISCARD",
            "PREPARE", "SAVEPOINT", "RELEASE", "LOCK", "CHECKPOINT", "VACUUM", "LISTEN", "UNLISTEN", "LOAD");

    private SqlStatements() {
    }

    /** The statements of {@code sql}, each as written (comments kept), without the ones that are empty. */
    static List<String> split(String sql) {
        List<String> statements = new ArrayList<>();
        int start = 0;
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'') {
                i = skipQuoted(sql, i, '\'', i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e'));
            } else if (c == '"') {
                i = skipQuoted(sql, i, '"', false);
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                i = skipBlockComment(sql, i);
            } else if (c == '$' && dollarTag(sql, i) != null) {
                String tag = dollarTag(sql, i);
                int end = sql.indexOf(tag, i + tag.length());
                i = end < 0 ? n : end + tag.length();
            } else if (c == ';') {
                add(statements, sql.substring(start, i));
                start = ++i;
            } else {
                i++;
            }
        }
        add(statements, sql.substring(start));
        return statements;
    }

    /** The statement's first keyword in capitals ({@code COMMIT}), after comments and space; empty for none. */
    static String firstKeyword(String statement) {
        int i = skipSpaceAndComments(statement, true);
        int n = statement.length();
        int end = i;
        while (end < n && (Character.isLetter(statement.charAt(end)) || statement.charAt(end) == '_')) {
            end++;
        }
        return statement.substring(i, end).toUpperCase(Locale.ROOT);
    }

    private static void add(List<String> statements, String statement) {
        if (!stripped(statement).isBlank()) {
            statements.add(statement);
        }
    }

    /** The statement with comments and space removed from its start, to tell an empty one. */
    private static String stripped(String statement) {
        return statement.substring(skipSpaceAndComments(statement, false));
    }

    /** Where the first thing that is not space or a comment (nor, with {@code parentheses}, an opening one) begins. */
    private static int skipSpaceAndComments(String statement, boolean parentheses) {
        int i = 0;
        int n = statement.length();
        while (i < n) {
            char c = statement.charAt(i);
            if (Character.isWhitespace(c) || (parentheses && c == '(')) {
                i++;
            } else if (c == '-' && i + 1 < n && statement.charAt(i + 1) == '-') {
                int end = statement.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (c == '/' && i + 1 < n && statement.charAt(i + 1) == '*') {
                i = skipBlockComment(statement, i);
            } else {
                break;
            }
        }
        return i;
    }

    /** Past a quoted string or identifier; a doubled quote stays inside, and in {@code E'...'} a backslash escapes. */
    private static int skipQuoted(String sql, int open, char quote, boolean backslashEscapes) {
        int i = open + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return sql.length();
    }

    /** Past a block comment, which nests in PostgreSQL. */
    private static int skipBlockComment(String sql, int open) {
        int depth = 0;
        int i = open;
        while (i < sql.length()) {
            if (sql.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (sql.startsWith("*/", i)) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        return sql.length();
    }

    /** {@code $tag$} (or {@code $$}) opening a dollar-quoted string at {@code i}, or null when {@code $} starts none ($1 is a parameter). */
    private static String dollarTag(String sql, int i) {
        int end = i + 1;
        while (end < sql.length() && (Character.isLetterOrDigit(sql.charAt(end)) || sql.charAt(end) == '_')) {
            end++;
        }
        if (end >= sql.length() || sql.charAt(end) != '$') {
            return null;
        }
        String tag = sql.substring(i, end + 1);
        return tag.length() > 2 && Character.isDigit(tag.charAt(1)) ? null : tag;
    }
}
