package io.countersign.web;

import io.countersign.api.ErrorMapper;
import io.countersign.audit.AuditLog;
import io.countersign.audit.AuditLogCorruptedException;
import io.countersign.audit.LogIntegrity;
import io.countersign.audit.TlogProof;
import io.countersign.json.Json;
import io.countersign.lifecycle.ActionNotFoundException;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.ActionService;
import io.countersign.lifecycle.BreakGlass;
import io.countersign.lifecycle.LifecycleException;
import io.countersign.lifecycle.Reloader;
import io.countersign.policy.Policy;
import io.countersign.lifecycle.ReviewDecision;
import io.countersign.model.Status;
import io.countersign.model.ActionId;
import io.countersign.policy.ActivePolicy;
import io.countersign.audit.AuditLogStore;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/**
 * The console's pages: inbox, request, history, audit and policy. Every page needs a signed-in human;
 * every POST needs the session's CSRF token. Decisions go through {@link ActionService} exactly as API
 * reviews do, so the console can do nothing the API would refuse.
 */
public final class ConsoleRoutes implements HttpService {
    private static final int LIST_LIMIT = 200;
    private static final int ENTRIES_PER_PAGE = 50;
    /** The console's own scripts and styles, read once: name → content type and bytes. */
    private static final Map<String, Asset> STATIC = Map.of(
            "htmx-2.0.11.min.js", Asset.load("htmx-2.0.11.min.js", "text/javascript; charset=utf-8"),
            "console.js", Asset.load("console.js", "text/javascript; charset=utf-8"),
            "console.css", Asset.load("console.css", "text/css; charset=utf-8"));

    private record Asset(String type, byte[] bytes) {
        static Asset load(String name, String type) {
            try (InputStream in = ConsoleRoutes.class.getResourceAsStream("static/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("static/" + name + " is missing from the build");
                }
                return new Asset(type, in.readAllBytes());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private final ActionService actions;
    private final AuditLog auditLog;
    private final AuditLogStore auditStore;
    private final String verifierKey;
    private final ActivePolicy policy;
    private final Reloader<Policy> reloader;
    private final Sessions sessions;
    private final ConsolePages pages;
    private final Clock clock;

    public ConsoleRoutes(ActionService actions, AuditLog auditLog, AuditLogStore auditStore, String verifierKey, ActivePolicy policy,
                         Reloader<Policy> reloader, Sessions sessions, Clock clock) {
        this.actions = actions;
        this.auditLog = auditLog;
        this.auditStore = auditStore;
        this.verifierKey = verifierKey;
        this.policy = policy;
        this.reloader = reloader;
        this.sessions = sessions;
        this.clock = clock;
        this.pages = new ConsolePages(clock, actions.delegations());
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (req, res) -> ConsoleHttp.redirect(res, "/inbox"))
                .get("/static/{name}", this::asset)
                .get("/inbox", (req, res) -> signedIn(req, res, session -> inbox(req, res, session, "inbox.jte")))
                .get("/inbox/rows", (req, res) -> signedIn(req, res, session -> inbox(req, res, session, "inboxRows.jte")))
                .get("/requests/{id}", (req, res) -> signedIn(req, res, session -> request(req, res, session, null, io.helidon.http.Status.OK_200)))
                .post("/requests/{id}/review", (req, res) -> signedIn(req, res, session -> review(req, res, session)))
                .post("/requests/{id}/break-glass", (req, res) -> signedIn(req, res, session -> breakGlass(req, res, session)))
                .post("/requests/{id}/break-glass-review", (req, res) -> signedIn(req, res, session -> reviewBreakGlass(req, res, session)))
                .get("/requests/{id}/proof", (req, res) -> signedIn(req, res, session -> proof(req, res, session)))
                .get("/history", (req, res) -> signedIn(req, res, session -> history(req, res, session)))
                .get("/audit", (req, res) -> signedIn(req, res, session -> audit(req, res, session)))
                .post("/audit/verify", (req, res) -> signedIn(req, res, session -> verify(req, res, session)))
                .get("/policy", (req, res) -> signedIn(req, res, session -> policyPage(res, session)))
                .get("/delegations", (req, res) -> signedIn(req, res, session -> delegationsPage(res, session, null, io.helidon.http.Status.OK_200)))
                .post("/delegations", (req, res) -> signedIn(req, res, session -> delegate(req, res, session)))
                .post("/delegations/{id}/end", (req, res) -> signedIn(req, res, session -> endDelegation(req, res, session)));
    }

    private interface Page {
        void show(ConsoleSession session);
    }

    /** Runs {@code page} for a signed-in human; anyone else is sent to sign in, and comes back here afterwards. */
    private void signedIn(ServerRequest request, ServerResponse response, Page page) {
        Optional<ConsoleSession> session = ConsoleHttp.cookie(request, ConsoleHttp.SESSION_COOKIE).flatMap(sessions::find);
        if (session.isEmpty()) {
            String here = request.path().rawPath() + (request.query().rawValue().isEmpty() ? "" : "?" + request.query().rawValue());
            if (request.headers().contains(ConsoleHttp.HX_REQUEST)) {
                // htmx follows this header with a full page load: the sign-in page, not a fragment in the list.
                here = request.headers().first(io.helidon.http.HeaderNames.REFERER).map(r -> java.net.URI.create(r).getRawPath()).orElse("/inbox");
                ConsoleHttp.secure(response);
                response.header(ConsoleHttp.HX_REDIRECT, "/login?next=" + encode(ConsoleHttp.safeReturn(here)));
                response.status(io.helidon.http.Status.UNAUTHORIZED_401).send();
                return;
            }
            if (request.prologue().method() != io.helidon.http.Method.GET) {
                here = "/inbox";
            }
            ConsoleHttp.redirect(response, "/login?next=" + encode(ConsoleHttp.safeReturn(here)));
            return;
        }
        page.show(session.get());
    }

    private static String encode(String text) {
        return java.net.URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private void asset(ServerRequest request, ServerResponse response) {
        String name = request.path().pathParameters().get("name");
        Asset asset = STATIC.get(name);
        ConsoleHttp.secure(response);
        if (asset == null) {
            response.status(io.helidon.http.Status.NOT_FOUND_404).send();
            return;
        }
        response.header(HeaderNames.CONTENT_TYPE, asset.type());
        response.header(HeaderNames.CACHE_CONTROL, "public, max-age=3600");
        response.send(asset.bytes());
    }

    private ConsoleViews.Filters filters(ServerRequest request) {
        var query = request.query();
        return new ConsoleViews.Filters(query.first("action").orElse(""), query.first("env").orElse(""),
                query.first("agent").orElse(""), query.first("q").orElse(""), query.first("status").orElse(""));
    }

    private void inbox(ServerRequest request, ServerResponse response, ConsoleSession session, String template) {
        ConsoleViews.Filters filters = filters(request);
        List<ActionRecord> reviewable = actions.list(session.principal(), Status.PENDING, LIST_LIMIT);
        List<ConsoleViews.Row> rows = reviewable.stream().filter(matching(filters)).map(pages::row).toList();
        ConsoleHttp.render(response, io.helidon.http.Status.OK_200, template, new ConsoleViews.Inbox(pages.frame("Inbox", "inbox", session), rows, filters,
                distinct(reviewable, r -> r.request().action()), distinct(reviewable, r -> r.request().resource().env()),
                distinct(reviewable, r -> r.requester().id())));
    }

    private static List<String> distinct(List<ActionRecord> records, java.util.function.Function<ActionRecord, String> field) {
        return records.stream().map(field).filter(v -> v != null && !v.isEmpty()).distinct().sorted().toList();
    }

    private static Predicate<ActionRecord> matching(ConsoleViews.Filters filters) {
        String q = filters.q().toLowerCase(Locale.ROOT);
        return record -> (filters.action().isEmpty() || filters.action().equals(record.request().action()))
                && (filters.env().isEmpty() || filters.env().equals(record.request().resource().env()))
                && (filters.agent().isEmpty() || filters.agent().equals(record.requester().id()))
                && (filters.status().isEmpty() || filters.status().equals(record.status().wireName()))
                && (q.isEmpty() || searchable(record).contains(q));
    }

    private static String searchable(ActionRecord record) {
        var request = record.request();
        return String.join(" ", record.id().value(), request.action(), request.resource().type(), request.resource().id(),
                String.valueOf(request.resource().env()), record.requester().id(), request.intent().summary(),
                String.valueOf(request.intent().reason()), String.valueOf(request.intent().ticket())).toLowerCase(Locale.ROOT);
    }

    private Optional<ActionId> actionId(ServerRequest request) {
        String id = request.path().pathParameters().get("id");
        return ActionId.isWellFormed(id) ? Optional.of(new ActionId(id)) : Optional.empty();
    }

    private void request(ServerRequest request, ServerResponse response, ConsoleSession session, String error, io.helidon.http.Status status) {
        Optional<ActionRecord> record = actionId(request).flatMap(id -> {
            try {
                return Optional.of(actions.get(session.principal(), id));
            } catch (ActionNotFoundException e) {
                return Optional.empty();
            }
        });
        if (record.isEmpty()) {
            problem(response, session, io.helidon.http.Status.NOT_FOUND_404, "There is no request with that id.");
            return;
        }
        ConsoleViews.Request view = pages.request(record.get(), session, error);
        ConsoleHttp.render(response, status, "request.jte", view);
    }

    private void review(ServerRequest request, ServerResponse response, ConsoleSession session) {
        decide(request, response, session, "decision", Set.of("approve", "deny"), "Choose Approve or Deny.", "justification",
                (id, decision, text) -> actions.review(session.principal(), id, ReviewDecision.fromWire(decision), text));
    }

    private void breakGlass(ServerRequest request, ServerResponse response, ConsoleSession session) {
        decide(request, response, session, null, Set.of(), null, "justification",
                (id, ignored, text) -> actions.breakGlass(session.principal(), id, text));
    }

    private void reviewBreakGlass(ServerRequest request, ServerResponse response, ConsoleSession session) {
        decide(request, response, session, "verdict", Set.of("upheld", "disputed"), "Choose Uphold or Dispute.", "comment",
                (id, verdict, text) -> actions.reviewBreakGlass(session.principal(), id, BreakGlass.Verdict.fromWire(verdict), text));
    }

    /** What a decision form does with the request it is about: its choice (if it has one) and its text. */
    @FunctionalInterface
    private interface Decision {
        void apply(ActionId id, String choice, String text);
    }

    /**
     * A form that decides something about one request (a review, a break-glass, a review of one): the
     * session's CSRF token, a known request, one of {@code choices} in the field {@code choice} (none when
     * null), a text of at most 2000 characters in the field {@code textField}; then the lifecycle's
     * answer, shown on the request's page, or a redirect back to it (post/redirect/get).
     */
    private void decide(ServerRequest request, ServerResponse response, ConsoleSession session, String choice, Set<String> choices,
                        String chooseOne, String textField, Decision decision) {
        Map<String, String> form = ConsoleHttp.form(request);
        if (!fromThisSession(form, session, response)) {
            return;
        }
        Optional<ActionId> id = actionId(request);
        if (id.isEmpty()) {
            problem(response, session, io.helidon.http.Status.NOT_FOUND_404, "There is no request with that id.");
            return;
        }
        String chosen = choice == null ? null : form.getOrDefault(choice, "");
        if (chosen != null && !choices.contains(chosen)) {
            request(request, response, session, chooseOne, io.helidon.http.Status.BAD_REQUEST_400);
            return;
        }
        String text = form.getOrDefault(textField, "").strip();
        if (text.length() > 2000) {
            request(request, response, session, "The " + textField + " is longer than 2000 characters.", io.helidon.http.Status.BAD_REQUEST_400);
            return;
        }
        try {
            decision.apply(id.get(), chosen, text.isEmpty() ? null : text);
        } catch (LifecycleException e) {
            request(request, response, session, "Not counted: " + e.getMessage() + ". Nothing changed.", ErrorMapper.status(e.refusal()));
            return;
        } catch (ActionNotFoundException e) {
            problem(response, session, io.helidon.http.Status.NOT_FOUND_404, "There is no request with that id.");
            return;
        }
        ConsoleHttp.redirect(response, "/requests/" + id.get().value());
    }

    private void proof(ServerRequest request, ServerResponse response, ConsoleSession session) {
        Optional<ActionId> id = actionId(request);
        Optional<TlogProof> proof = id.flatMap(auditLog::proofFor);
        if (proof.isEmpty()) {
            problem(response, session, io.helidon.http.Status.NOT_FOUND_404, "There is no proof for that request yet.");
            return;
        }
        ConsoleHttp.secure(response);
        response.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + id.get().value() + ".tlog-proof\"");
        response.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.send(proof.get().text().getBytes(StandardCharsets.UTF_8));
    }

    private void history(ServerRequest request, ServerResponse response, ConsoleSession session) {
        ConsoleViews.Filters filters = filters(request);
        Status status = Arrays.stream(Status.values()).filter(s -> s.wireName().equals(filters.status())).findFirst().orElse(null);
        // A human's pending list is their inbox; history shows every pending request.
        List<ActionRecord> records = status == Status.PENDING
                ? actions.list(session.principal(), null, LIST_LIMIT * 5).stream().filter(r -> r.status() == Status.PENDING).toList()
                : actions.list(session.principal(), status, LIST_LIMIT * 5);
        List<ConsoleViews.Row> rows = records.stream().filter(matching(filters)).limit(LIST_LIMIT).map(pages::row).toList();
        ConsoleHttp.render(response, io.helidon.http.Status.OK_200, "history.jte", new ConsoleViews.History(pages.frame("History", "history", session),
                rows, filters, Arrays.stream(Status.values()).map(Status::wireName).toList()));
    }

    private void audit(ServerRequest request, ServerResponse response, ConsoleSession session) {
        var checkpoint = auditLog.checkpoint();
        long size = checkpoint.size();
        long top = request.query().first("from").filter(v -> v.matches("[0-9]{1,18}")).map(Long::parseLong)
                .map(v -> Math.min(v, size - 1)).orElse(size - 1);
        List<ConsoleViews.AuditEntry> entries = new ArrayList<>();
        // One range read for the page, shown newest first.
        auditStore.entries(Math.max(0, top - ENTRIES_PER_PAGE + 1), top + 1, (index, entry, leafHash) -> entries.add(pages.auditEntry(index, entry)));
        java.util.Collections.reverse(entries);
        Long older = top - ENTRIES_PER_PAGE >= 0 ? top - ENTRIES_PER_PAGE : null;
        Long newer = top + 1 < size ? Math.min(size - 1, top + ENTRIES_PER_PAGE) : null;
        ConsoleHttp.render(response, io.helidon.http.Status.OK_200, "audit.jte", new ConsoleViews.Audit(pages.frame("Audit", "audit", session),
                checkpoint.note(), size, checkpoint.checkpoint().origin(), verifierKey, entries, older, newer));
    }

    /** Re-derives every leaf and the root from the stored entries and compares them with the latest signed checkpoint. */
    private void verify(ServerRequest request, ServerResponse response, ConsoleSession session) {
        String token = request.headers().first(ConsoleHttp.CSRF_HEADER).orElse(null);
        if (!Sessions.csrfMatches(session, token)) {
            ConsoleHttp.render(response, io.helidon.http.Status.FORBIDDEN_403, "verification.jte",
                    new ConsoleViews.Verification(false, "refused: this request was not sent from this console session"));
            return;
        }
        var checkpoint = auditLog.checkpoint();
        ConsoleViews.Verification result;
        try {
            LogIntegrity.check(auditStore, List.of(checkpoint.checkpoint()));
            result = new ConsoleViews.Verification(true, "Verified: all " + auditStore.size() + " entries re-hashed; the tree matches the checkpoint signed at size "
                    + checkpoint.size() + " (" + clock.instant() + ").");
        } catch (AuditLogCorruptedException e) {
            result = new ConsoleViews.Verification(false, "FAILED: " + e.getMessage());
        }
        ConsoleHttp.render(response, io.helidon.http.Status.OK_200, "verification.jte", result);
    }

    private void policyPage(ServerResponse response, ConsoleSession session) {
        ConsoleHttp.render(response, io.helidon.http.Status.OK_200, "policy.jte",
                pages.policy(policy.current(), reloader.history(50), pages.frame("Policy", "policy", session)));
    }

    private void delegationsPage(ServerResponse response, ConsoleSession session, String error, io.helidon.http.Status status) {
        String me = session.principal().id();
        var delegations = actions.delegations();
        List<ConsoleViews.DelegationLine> given = delegations.of(me).stream().filter(d -> d.from().equals(me)).map(this::line).toList();
        List<ConsoleViews.DelegationLine> held = delegations.of(me).stream().filter(d -> d.to().equals(me)).map(this::line).toList();
        ConsoleHttp.render(response, status, "delegations.jte",
                new ConsoleViews.Delegations(pages.frame("Delegations", "delegations", session), given, held, error));
    }

    private ConsoleViews.DelegationLine line(io.countersign.lifecycle.Delegations.Delegation d) {
        return new ConsoleViews.DelegationLine(d.id(), d.from(), d.to(), d.starts(), d.ends(), d.reason(), d.inForceAt(clock.instant()));
    }

    /** The form of the delegations page: to whom, until which day (its end, UTC), why. */
    private void delegate(ServerRequest request, ServerResponse response, ConsoleSession session) {
        Map<String, String> form = ConsoleHttp.form(request);
        if (!fromThisSession(form, session, response)) {
            return;
        }
        java.time.Instant until;
        try {
            until = java.time.LocalDate.parse(form.getOrDefault("until", "")).plusDays(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            delegationsPage(response, session, "Until: choose the last day of the delegation.", io.helidon.http.Status.BAD_REQUEST_400);
            return;
        }
        try {
            actions.delegations().grant(session.principal(), form.getOrDefault("to", "").strip(), null, until,
                    form.getOrDefault("reason", "").strip());
        } catch (io.countersign.model.InvalidInputException | LifecycleException e) {
            delegationsPage(response, session, "Not handed over: " + e.getMessage() + ".", io.helidon.http.Status.BAD_REQUEST_400);
            return;
        }
        ConsoleHttp.redirect(response, "/delegations");
    }

    private void endDelegation(ServerRequest request, ServerResponse response, ConsoleSession session) {
        Map<String, String> form = ConsoleHttp.form(request);
        if (!fromThisSession(form, session, response)) {
            return;
        }
        try {
            actions.delegations().revoke(session.principal(), request.path().pathParameters().get("id"));
        } catch (io.countersign.model.InvalidInputException | LifecycleException e) {
            delegationsPage(response, session, "Not ended: " + e.getMessage() + ".", io.helidon.http.Status.BAD_REQUEST_400);
            return;
        }
        ConsoleHttp.redirect(response, "/delegations");
    }

    /** Whether a form came from this console session (its CSRF token); if not, it is answered 403 and nothing changes. */
    private boolean fromThisSession(Map<String, String> form, ConsoleSession session, ServerResponse response) {
        if (Sessions.csrfMatches(session, form.get("_csrf"))) {
            return true;
        }
        problem(response, session, io.helidon.http.Status.FORBIDDEN_403,
                "This form was not sent from this console session (its CSRF token is missing or wrong). Nothing changed.");
        return false;
    }

    private void problem(ServerResponse response, ConsoleSession session, io.helidon.http.Status status, String message) {
        ConsoleHttp.render(response, status, "problem.jte", new ConsoleViews.Problem(pages.frame("Problem", "", session), status.code(), message));
    }

    static String pretty(JsonNode node) {
        return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    }
}
