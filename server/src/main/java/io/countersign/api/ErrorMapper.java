package io.countersign.api;

import io.countersign.lifecycle.ActionNotFoundException;
import io.countersign.lifecycle.IdempotencyConflictException;
import io.countersign.lifecycle.LifecycleException;
import io.countersign.model.InvalidInputException;
import io.countersign.policy.RequirementNotMet;
import io.countersign.store.StoreUnavailableException;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderValues;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.lang.System.Logger.Level;

/**
 * The one place where failures become HTTP answers. Clients get a status, a stable code, the field at
 * fault and a message; never a stack trace, and never a detail of an internal failure.
 */
public final class ErrorMapper {
    private static final System.Logger LOG = System.getLogger(ErrorMapper.class.getName());

    private static final Status UNPROCESSABLE = Status.create(422, "Unprocessable Content");
    private static final Status TOO_MANY_REQUESTS = Status.create(429, "Too Many Requests");

    private ErrorMapper() {
    }

    public static void handle(ServerRequest request, ServerResponse response, Throwable failure) {
        if (response.isSent()) {
            return;
        }
        switch (failure) {
            case ApiException e -> {
                if (e.status() == Status.UNAUTHORIZED_401) {
                    response.header(io.helidon.http.HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"countersign\"");
                }
                JsonResponses.sendError(response, e.status(), e.code(), e.field(), e.getMessage());
            }
            case io.countersign.inventory.ResourceMismatchException e -> JsonResponses.sendError(response, UNPROCESSABLE,
                    e.code(), e.field(), e.getMessage());
            case InvalidInputException e -> JsonResponses.sendError(response, Status.BAD_REQUEST_400, e.code(), e.field(), e.getMessage());
            case RequestBodies.BodyTimeoutException e -> {
                // The rest of the body may never come: this connection is done.
                response.header(io.helidon.http.HeaderValues.CONNECTION_CLOSE);
                JsonResponses.sendError(response, Status.REQUEST_TIMEOUT_408, "body_timeout", null, e.getMessage());
                e.abandon();
            }
            case ActionNotFoundException e -> JsonResponses.sendError(response, Status.NOT_FOUND_404, "not_found", "id", e.getMessage());
            case RequirementNotMet e -> JsonResponses.sendRuleError(response, UNPROCESSABLE,
                    "requirement_not_met", e.rule(), e.getMessage());
            case IdempotencyConflictException e -> JsonResponses.sendError(response, Status.CONFLICT_409, "idempotency_conflict",
                    "idempotency_key", e.getMessage());
            case io.countersign.lifecycle.TooManyRequestsException e -> {
                if (e.retryAfter() != null) {
                    response.header(io.helidon.http.HeaderNames.RETRY_AFTER, Long.toString(Math.max(1, (e.retryAfter().toMillis() + 999) / 1000)));
                }
                JsonResponses.sendError(response, TOO_MANY_REQUESTS, e.code(), null, e.getMessage());
            }
            case LifecycleException e -> lifecycle(response, e);
            case io.countersign.connectors.NoConnectorException e -> JsonResponses.sendError(response, UNPROCESSABLE, "no_connector",
                    "action", e.getMessage());
            case io.countersign.grants.InvalidGrantException e -> JsonResponses.sendError(response, Status.FORBIDDEN_403,
                    "invalid_grant", "grant", e.getMessage());
            case StoreUnavailableException e -> {
                LOG.log(Level.ERROR, "store unavailable", e);
                JsonResponses.sendError(response, Status.SERVICE_UNAVAILABLE_503, "store_unavailable", null,
                        "Countersign could not durably record this; nothing was changed. Retry later.");
            }
            case RequestException e -> JsonResponses.sendError(response, e.status(), "bad_request", null, "the HTTP request is malformed");
            default -> {
                LOG.log(Level.ERROR, "unexpected failure on " + request.prologue().method() + " " + request.path().path(), failure);
                JsonResponses.sendError(response, Status.INTERNAL_SERVER_ERROR_500, "internal_error", null,
                        "an internal error occurred; nothing was changed");
            }
        }
    }

    /** The HTTP status of a lifecycle refusal, the same for the API and the console. */
    public static Status status(io.countersign.lifecycle.Refusal refusal) {
        return switch (refusal) {
            case NOT_HUMAN, SELF_REVIEW, NOT_ELIGIBLE, NOT_ADMIN, NOT_REQUESTER, NO_LONGER_ALLOWED, SELF_BREAK_GLASS,
                 BREAK_GLASS_FORBIDDEN -> Status.FORBIDDEN_403;
            case JUSTIFICATION_REQUIRED, BREAK_GLASS_JUSTIFICATION_REQUIRED -> UNPROCESSABLE;
            case NOT_PENDING, EXPIRED, ALREADY_REVIEWED, NO_BREAK_GLASS, NOT_DUE, UNCHANGED, GRANT_USED, NOT_RUNNABLE, OUTCOME_RECORDED,
                 APPROVAL_EXPIRED -> Status.CONFLICT_409;
        };
    }

    private static void lifecycle(ServerResponse response, LifecycleException e) {
        Status status = status(e.refusal());
        String field = switch (e.refusal()) {
            case JUSTIFICATION_REQUIRED -> "comment";
            case BREAK_GLASS_JUSTIFICATION_REQUIRED -> "justification";
            default -> null;
        };
        JsonResponses.sendError(response, status, e.refusal().code(), field, e.getMessage());
    }

    /** The answer for paths no route serves. */
    public static void noRoute(ServerRequest request, ServerResponse response) {
        JsonResponses.sendError(response, Status.NOT_FOUND_404, "no_route", null, "no such endpoint");
    }

    /** Errors raised before routing (oversized or malformed HTTP) get the same JSON shape. */
    public static DirectHandler direct() {
        return (request, eventType, defaultStatus, headers, message) -> {
            String code = defaultStatus.code() == 413 ? "body_too_large" : "bad_request";
            String text = defaultStatus.code() == 413 ? "the request body is larger than this server accepts"
                    : "the HTTP request is malformed";
            return DirectHandler.TransportResponse.builder()
                    .status(defaultStatus)
                    .header(HeaderValues.CONTENT_TYPE_JSON)
                    .entity(io.countersign.json.Json.bytes(JsonResponses.error(code, null, text)))
                    .build();
        };
    }
}
