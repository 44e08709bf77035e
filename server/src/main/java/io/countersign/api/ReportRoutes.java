package io.countersign.api;

import io.countersign.json.Json;
import io.countersign.model.InvalidInputException;
import io.countersign.policy.ActivePolicy;
import io.countersign.report.ControlReport;
import io.countersign.events.EventStore;
import io.countersign.lifecycle.ActionStore;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /v1/reports/controls?from=&to=}: evidence per compliance control for a period (humans only).
 * {@code from} and {@code to} are UTC dates ({@code to} counts the whole day) or instants ({@code to}
 * exclusive); the default is the last 30 days.
 */
public final class ReportRoutes implements HttpService {
    private final ActionStore actions;
    private final EventStore events;
    private final ActivePolicy policy;
    private final Authenticator authenticator;
    private final Clock clock;

    public ReportRoutes(ActionStore actions, EventStore events, ActivePolicy policy, Authenticator authenticator, Clock clock) {
        this.actions = actions;
        this.events = events;
        this.policy = policy;
        this.authenticator = authenticator;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/controls", this::controls);
    }

    private void controls(ServerRequest request, ServerResponse response) {
        authenticator.requireHuman(authenticator.authenticate(request));
        Instant to = request.query().first("to").map(v -> instant("to", v, true)).orElse(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(1));
        Instant from = request.query().first("from").map(v -> instant("from", v, false)).orElse(to.minus(Duration.ofDays(30)));
        if (!from.isBefore(to)) {
            throw new InvalidInputException("from", "'from' must be before 'to'");
        }
        Set<String> mapped = policy.current().rules().stream().flatMap(r -> r.controls().stream()).collect(Collectors.toSet());
        ControlReport.Report report = ControlReport.build(actions, events, from, to, mapped);
        JsonResponses.send(response, Status.OK_200, toJson(report));
    }

    private static Instant instant(String field, String value, boolean endOfDay) {
        try {
            if (value.length() == 10) {
                LocalDate day = LocalDate.parse(value);
                return (endOfDay ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new InvalidInputException(field, "'" + field + "' must be a date (2026-11-01) or an instant (2026-11-01T00:00:00Z)");
        }
    }

    static ObjectNode toJson(ControlReport.Report report) {
        ObjectNode body = Json.object();
        body.put("from", report.from().toString());
        body.put("to", report.to().toString());
        ArrayNode controls = body.putArray("controls");
        for (ControlReport.Row row : report.rows()) {
            ObjectNode item = controls.addObject();
            item.put("control", row.control());
            item.put("title", row.title());
            item.put("requests", row.requests());
            item.put("allowed", row.allowed());
            item.put("denied_by_policy", row.deniedByPolicy());
            item.put("approved", row.approved());
            item.put("rejected", row.rejected());
            item.put("expired", row.expired());
            item.put("cancelled", row.cancelled());
            item.put("pending", row.pending());
            item.put("executed", row.executed());
            item.put("failed", row.failed());
            item.put("approvals", row.approvals());
            item.put("rejections", row.rejections());
            item.put("broke_glass", row.brokeGlass());
            item.put("broke_glass_unreviewed", row.brokeGlassUnreviewed());
            item.put("broke_glass_disputed", row.brokeGlassDisputed());
            item.put("refused", row.refused());
        }
        return body;
    }
}
