package io.countersign.web;

import java.time.Instant;
import java.util.List;

/** What each console page shows, ready to render: the templates only lay these out. */
public final class ConsoleViews {
    private ConsoleViews() {
    }

    /** What every page shares: who is signed in and the token their forms carry. */
    public record Frame(String title, String active, String user, String userName, String csrf, String method) {
        public boolean demo() {
            return "demo".equals(method);
        }
    }

    /** One request in a list. */
    public record Row(String id, String action, String target, String env, String requester, String status, String summary,
                      Instant created, Instant expires, String quorum) {
    }

    public record Filters(String action, String env, String agent, String q, String status) {
        public String query() {
            StringBuilder query = new StringBuilder();
            append(query, "action", action);
            append(query, "env", env);
            append(query, "agent", agent);
            append(query, "q", q);
            append(query, "status", status);
            return query.toString();
        }

        private static void append(StringBuilder query, String name, String value) {
            if (value != null && !value.isEmpty()) {
                query.append(query.isEmpty() ? "" : "&").append(name).append('=')
                        .append(java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
            }
        }
    }

    public record Inbox(Frame frame, List<Row> rows, Filters filters, List<String> actions, List<String> envs, List<String> agents) {
    }

    public record History(Frame frame, List<Row> rows, Filters filters, List<String> statuses) {
    }

    /** A piece of highlighted JSON: {@code kind} is its CSS class (key, string, number, literal, punct). */
    public record Token(String kind, String text) {
    }

    /** A line of a change's diff: {@code op} is {@code +}, {@code -} or a space. */
    public record DiffLine(String op, String text) {
    }

    public record ReviewLine(String reviewer, String name, String decision, String comment, Instant at) {
    }

    public record Request(Frame frame, String id, String status, String headline, String requester, String agentRun,
                          String summary, String reason, String ticket, String labels, String digest, List<Token> payload,
                          List<DiffLine> diff, List<Token> context, List<String> rules, List<String> controls, String quorum,
                          int approvals, List<ReviewLine> reviews, Instant created, Instant expires, boolean canReview,
                          String whyNot, boolean justificationRequired, String outcome, String breakGlass,
                          boolean canBreakGlass, boolean canReviewBreakGlass, String error) {
    }

    public record AuditEntry(long index, String type, String time, String actor, String actionId, String json) {
    }

    public record Audit(Frame frame, String checkpoint, long size, String origin, String verifierKey, List<AuditEntry> entries,
                        Long older, Long newer) {
    }

    /** The result of re-deriving the log from its entries against the latest signed checkpoint. */
    public record Verification(boolean ok, String message) {
    }

    public record PolicyRule(String id, String description, String file, int line, String effect, String when, String approvals,
                             String require, List<String> controls, List<String> channels) {
    }

    public record PolicyLoad(String type, Instant at, String summary) {
    }

    public record Policy(Frame frame, String version, String defaultEffect, List<String> files, List<PolicyRule> rules, List<PolicyLoad> history) {
    }

    public record SignIn(String error, String next, boolean demo, boolean oidc, String csrf) {
    }

    public record Problem(Frame frame, int status, String message) {
    }

    /** The delegations page: what the signed-in human handed over, what they hold, and the form to hand over more. */
    public record Delegations(Frame frame, List<DelegationLine> given, List<DelegationLine> held, String error) {
    }

    /** One delegation, as the page lists it. */
    public record DelegationLine(String id, String from, String to, Instant starts, Instant ends, String reason, boolean inForce) {
    }
}
