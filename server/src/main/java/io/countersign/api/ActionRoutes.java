package io.countersign.api;

import io.countersign.audit.AuditLog;
import io.countersign.audit.TlogProof;
import io.countersign.connectors.Connector;
import io.countersign.connectors.ProxyExecution;
import io.countersign.grants.Grants;
import io.countersign.lifecycle.Execution;
import io.countersign.json.ActionRequestJson;
import io.countersign.json.Json;
import io.countersign.json.JsonFields;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.BreakGlass;
import io.countersign.lifecycle.ActionService;
import io.countersign.lifecycle.ReviewDecision;
import io.countersign.lifecycle.Submission;
import io.countersign.model.ActionId;
import io.countersign.model.ActionRequest;
import io.countersign.model.InvalidInputException;
import io.countersign.model.Principal;
import io.countersign.model.Status;
import io.countersign.policy.Deny;
import io.countersign.policy.DurationText;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /v1/actions}: submit, read, wait, list, review, cancel. Each handler parses its input into
 * values, calls {@link ActionService} and maps the result to a status and JSON; nothing else.
 */
public final class ActionRoutes implements HttpService {
    private static final Set<String> REVIEW_FIELDS = Set.of("decision", "comment", "for");
    private static final Set<String> BREAK_GLASS_FIELDS = Set.of("justification");
    private static final Set<String> BREAK_GLASS_REVIEW_FIELDS = Set.of("verdict", "comment");
    private static final Set<String> OUTCOME_FIELDS = Set.of("grant", "status", "detail");
    private static final Set<String> EXECUTE_FIELDS = Set.of("grant");
    private static final Set<String> CLAIM_FIELDS = Set.of("grant");
    private static final String NDJSON = "application/x-ndjson";
    private static final io.helidon.http.Status ACCEPTED = io.helidon.http.Status.ACCEPTED_202;

    private final ActionService actions;
    /** Checks grants presented to claim, report or execute; issuing them is the service's. */
    private final Grants grants;
    private final AuditLog auditLog;
    private final ProxyExecution proxy;
    private final java.time.Clock clock;
    private final Authenticator authenticator;
    private final long maxBodyBytes;
    private final Duration maxWait;

    public ActionRoutes(ActionService actions, AuditLog auditLog, Grants grants, ProxyExecution proxy,
                        Authenticator authenticator, long maxBodyBytes, Duration maxWait, java.time.Clock clock) {
        this.actions = actions;
        this.proxy = proxy;
        this.auditLog = auditLog;
        this.grants = grants;
        this.clock = clock;
        this.authenticator = authenticator;
        this.maxBodyBytes = maxBodyBytes;
        this.maxWait = maxWait;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::submit)
                .get("/", this::list)
                .get("/{id}", this::get)
                .get("/{id}/proof", this::proof)
                .post("/{id}/reviews", this::review)
                .post("/{id}/cancel", this::cancel)
                .post("/{id}/break-glass", this::breakGlass)
                .post("/{id}/break-glass/review", this::reviewBreakGlass)
                .post("/{id}/claim", this::claim)
                .post("/{id}/outcome", this::outcome)
                .post("/{id}/execute", this::execute);
    }

    private void submit(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        ActionRequest action = ActionRequestJson.fromJson(body(request));
        Submission submission = actions.submit(caller, action);
        ActionRecord record = submission.record();
        ObjectNode body = represent(caller, record);
        body.put("created", submission.created());
        if (!submission.created()) {
            // Which earlier request answers this one, and why: an approval reused is visible, never silent.
            body.put("reused", submission.reused().wireName());
        }
        switch (record.status()) {
            case DENIED -> {
                Deny deny = (Deny) record.decision();
                ObjectNode error = (ObjectNode) JsonResponses.error("denied", null, deny.reason()).get("error");
                if (deny.rule() != null) {
                    // The rule that decided, not the first that matched (that may have been an allow rule).
                    error.put("rule", deny.rule());
                }
                body.set("error", error);
                JsonResponses.send(response, io.helidon.http.Status.FORBIDDEN_403, body);
            }
            case PENDING -> {
                response.header(HeaderNames.LOCATION, "/v1/actions/" + record.id().value());
                JsonResponses.send(response, ACCEPTED, body);
            }
            default -> JsonResponses.send(response, io.helidon.http.Status.OK_200, body);
        }
    }

    private void get(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        ActionId id = id(request);
        var waitParam = request.query().first("wait");
        ActionRecord record = waitParam.isPresent()
                ? actions.await(caller, id, waitDuration(waitParam.get()))
                : actions.get(caller, id);
        JsonResponses.send(response, io.helidon.http.Status.OK_200, represent(caller, record));
    }

    /** The C2SP tlog-proof that the action's decision is in the log, for whoever may see the action. */
    private void proof(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        ActionId id = id(request);
        actions.get(caller, id);
        TlogProof proof = auditLog.proofFor(id).orElseThrow(() -> new io.countersign.lifecycle.ActionNotFoundException(id.value()));
        response.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + id.value() + ".tlog-proof\"");
        AuditRoutes.sendText(response, proof.text());
    }

    private void list(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        Status status = request.query().first("status").map(Status::fromWire).orElse(null);
        int limit = request.query().first("limit").map(ActionRoutes::limit).orElse(50);
        String glass = request.query().first("break_glass").orElse(null);
        if (glass != null && !glass.equals("unreviewed")) {
            throw new InvalidInputException("break_glass", "'break_glass' can only be unreviewed: the break-glass uses you may review");
        }
        List<ActionRecord> records = glass != null ? actions.breakGlassInbox(caller, limit) : actions.list(caller, status, limit);
        ObjectNode body = Json.object();
        ArrayNode items = body.putArray("actions");
        records.forEach(r -> items.add(ActionRepresentation.of(r)));
        JsonResponses.send(response, io.helidon.http.Status.OK_200, body);
    }

    private void review(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        ActionId id = id(request);
        JsonFields fields = JsonFields.of(body(request), "").onlyAllow(REVIEW_FIELDS);
        ReviewDecision decision = ReviewDecision.fromWire(fields.requiredString("decision", 16));
        String comment = fields.optionalString("comment", 4096);
        String forWhom = fields.optionalString("for", 256);
        ActionRecord record = actions.review(caller, id, decision, comment, forWhom);
        JsonResponses.send(response, io.helidon.http.Status.OK_200, ActionRepresentation.of(record));
    }

    /**
     * Gate mode, before running: the caller claims the action with its grant. The grant is used by
     * compare-and-set and the policy in force now is asked again; only the one claim that wins may run
     * the action (200, {@code execution.started} in the log); every other is refused (409 {@code grant_used},
     * {@code approval_expired}, {@code not_runnable}; 403 {@code no_longer_allowed}) and nothing may run.
     */
    private void claim(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        ActionId id = id(request);
        JsonFields fields = JsonFields.of(body(request), "").onlyAllow(CLAIM_FIELDS);
        String token = fields.requiredString("grant", 8192);
        actions.throttleGrantChecks(caller);
        ActionRecord stored = actions.get(caller, id);
        Grants.Grant grant = GrantRoutes.checkedAgainst(grants, token, stored, clock);
        ActionRecord claimed = actions.useGrant(caller, id, grant.id());
        ObjectNode body = represent(caller, claimed);
        body.put("claimed", true);
        JsonResponses.send(response, io.helidon.http.Status.OK_200, body);
    }

    /**
     * Gate mode: the requester ran the action with its grant and says how it went. Uses the grant if no
     * resource did; a grant already used for another run is refused (409 grant_used) and audited.
     */
    private void outcome(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        ActionId id = id(request);
        JsonFields fields = JsonFields.of(body(request), "").onlyAllow(OUTCOME_FIELDS);
        String token = fields.requiredString("grant", 8192);
        String status = fields.requiredString("status", 16);
        Execution.Outcome outcome = switch (status) {
            case "succeeded" -> Execution.Outcome.SUCCEEDED;
            case "failed" -> Execution.Outcome.FAILED;
            default -> throw new InvalidInputException("status", "'status' must be succeeded or failed, not '" + status + "'");
        };
        String detail = fields.optionalString("detail", 4096);
        // Read once: what the caller may see of the action is what the grant is checked against and what the outcome changes.
        ActionRecord stored = actions.get(caller, id);
        Grants.Grant grant = GrantRoutes.checkedAgainst(grants, token, stored, clock);
        ActionRecord record = actions.reportOutcome(caller, stored, grant.id(), outcome, detail);
        JsonResponses.send(response, io.helidon.http.Status.OK_200, represent(caller, record));
    }

    /**
     * Proxy mode: Countersign runs the stored action through its connector, once, and answers with the
     * result; as NDJSON events ({@code started}, {@code output}..., {@code finished}) when the client
     * accepts {@code application/x-ndjson}, so long output arrives as it is produced.
     */
    private void execute(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        ActionId id = id(request);
        JsonFields fields = JsonFields.of(body(request), "").onlyAllow(EXECUTE_FIELDS);
        GrantRoutes.Checked checked = GrantRoutes.checkedFor(grants, actions, fields.requiredString("grant", 8192), id, clock);
        Grants.Grant grant = checked.grant();
        ActionRecord record = checked.action();
        Connector connector = proxy.connectorFor(record);
        boolean stream = request.headers().first(HeaderNames.ACCEPT).map(a -> a.contains(NDJSON)).orElse(false);
        if (stream) {
            ExecutionStream events = new ExecutionStream(response, NDJSON);
            events.finish(() -> {
                ProxyExecution.Ran ran = proxy.run(caller, record, connector, grant.id(), events);
                return events.finished(represent(caller, ran.record()), ran.result());
            });
            return;
        }
        CollectedOutput output = new CollectedOutput();
        ProxyExecution.Ran ran = proxy.run(caller, record, connector, grant.id(), output);
        ObjectNode body = represent(caller, ran.record());
        body.set("result", output.into(ran));
        JsonResponses.send(response, io.helidon.http.Status.OK_200, body);
    }

    /** The action as JSON; its requester also gets a fresh grant while it may run. */
    private ObjectNode represent(Principal caller, ActionRecord record) {
        ObjectNode body = ActionRepresentation.of(record);
        proxy.serving(record.request()).ifPresent(connector -> body.put("connector", connector.name()));
        actions.grantFor(caller, record).ifPresent(issued -> {
            ObjectNode grant = body.putObject("grant");
            grant.put("token", issued.token());
            grant.put("id", issued.id());
            grant.put("audience", issued.audience());
            grant.put("expires_at", issued.expiresAt().toString());
        });
        return body;
    }

    /** An admin lets a pending request run without its approvals, in an emergency, saying why (403 for anyone else). */
    private void breakGlass(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        ActionId id = id(request);
        JsonFields fields = JsonFields.of(body(request), "").onlyAllow(BREAK_GLASS_FIELDS);
        String justification = fields.requiredString("justification", 4096);
        ActionRecord record = actions.breakGlass(caller, id, justification);
        JsonResponses.send(response, io.helidon.http.Status.OK_200, represent(caller, record));
    }

    /** Someone eligible to review the request reviews the break-glass after the fact: upheld or disputed. */
    private void reviewBreakGlass(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        ActionId id = id(request);
        JsonFields fields = JsonFields.of(body(request), "").onlyAllow(BREAK_GLASS_REVIEW_FIELDS);
        BreakGlass.Verdict verdict = BreakGlass.Verdict.fromWire(fields.requiredString("verdict", 16));
        String comment = fields.optionalString("comment", 4096);
        ActionRecord record = actions.reviewBreakGlass(caller, id, verdict, comment);
        JsonResponses.send(response, io.helidon.http.Status.OK_200, ActionRepresentation.of(record));
    }

    private void cancel(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        ActionRecord record = actions.cancel(caller, id(request));
        JsonResponses.send(response, io.helidon.http.Status.OK_200, ActionRepresentation.of(record));
    }

    private static ActionId id(ServerRequest request) {
        String value = request.path().pathParameters().get("id");
        if (!ActionId.isWellFormed(value)) {
            throw new io.countersign.lifecycle.ActionNotFoundException(value);
        }
        return new ActionId(value);
    }

    private Duration waitDuration(String value) {
        Duration wait = value.chars().allMatch(Character::isDigit) && !value.isEmpty() && value.length() < 10
                ? Duration.ofSeconds(Long.parseLong(value)) : DurationText.parse(value);
        if (wait == null || wait.compareTo(maxWait) > 0) {
            throw new InvalidInputException("wait", "'wait' must be a duration such as 30s, at most " + DurationText.format(maxWait));
        }
        return wait;
    }

    private static int limit(String value) {
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= 200) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidInputException("limit", "'limit' must be a whole number from 1 to 200");
    }

    private JsonNode body(ServerRequest request) {
        return RequestBodies.json(request, maxBodyBytes);
    }
}
