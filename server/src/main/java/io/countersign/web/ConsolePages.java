package io.countersign.web;

import io.countersign.json.Json;
import io.countersign.events.ActionEvent;
import io.countersign.events.AuditEvent;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.Lifecycle;
import io.countersign.lifecycle.Review;
import io.countersign.lifecycle.ReviewDecision;
import io.countersign.lifecycle.Transition;
import io.countersign.model.ActionRequest;
import io.countersign.model.Status;
import io.countersign.policy.Effect;
import io.countersign.policy.Justification;
import io.countersign.policy.Policy;
import io.countersign.policy.RequireApproval;
import io.countersign.policy.Rule;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/** Turns records, log entries and policy into the views the console's templates lay out. */
final class ConsolePages {
    private final Clock clock;
    private final io.countersign.lifecycle.Delegations delegations;

    ConsolePages(Clock clock, io.countersign.lifecycle.Delegations delegations) {
        this.clock = clock;
        this.delegations = delegations;
    }

    ConsoleViews.Frame frame(String title, String active, ConsoleSession session) {
        return new ConsoleViews.Frame(title, active, session.principal().id(), session.principal().name(), session.csrf(), session.method());
    }

    ConsoleViews.Row row(ActionRecord record) {
        ActionRequest request = record.request();
        return new ConsoleViews.Row(record.id().value(), request.action(), request.resource().type() + " " + request.resource().id(),
                request.resource().env() == null ? "" : request.resource().env(), record.requester().id(), record.status().wireName(),
                request.intent().summary(), record.createdAt(), record.status() == Status.PENDING ? record.expiresAt() : null, quorum(record));
    }

    private static String quorum(ActionRecord record) {
        return java.util.Objects.requireNonNullElse(Lifecycle.progress(record), "");
    }

    ConsoleViews.Request request(ActionRecord record, ConsoleSession session, String error) {
        ActionRequest request = record.request();
        Transition.Refused refused = Lifecycle.reviewRefusal(record, session.principal(), clock.instant());
        if (refused != null) {
            // Someone who holds another's reviews (a delegation) reviews for them where they may not as themself.
            for (var delegator : delegations.delegatorsOf(session.principal())) {
                if (Lifecycle.reviewRefusal(record, delegator, session.principal(), clock.instant()) == null) {
                    refused = null;
                    break;
                }
            }
        }
        String whyNot = refused == null ? null : refused.message();
        if (record.requester().id().equals(session.principal().id())) {
            whyNot = "you asked for this action, so others decide on it";
        }
        boolean required = record.decision() instanceof RequireApproval r && r.justification() == Justification.REQUIRED;
        JsonNode run = request.context().get("agent_run");
        String labels = request.resource().labels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
        List<ConsoleViews.ReviewLine> reviews = record.reviews().stream().map(ConsolePages::reviewLine).toList();
        String outcome = record.execution() == null ? null : record.execution().outcome() == null
                ? "running since " + record.execution().at() + " (" + record.execution().by() + ")"
                : record.execution().outcome().name().toLowerCase(java.util.Locale.ROOT)
                + (record.execution().detail() == null ? "" : ": " + record.execution().detail());
        return new ConsoleViews.Request(frame(request.action(), "inbox", session), record.id().value(), record.status().wireName(),
                request.headline(), record.requester().describe(), run == null ? null : run.isString() ? run.stringValue() : Json.text(run),
                request.intent().summary(), request.intent().reason(), request.intent().ticket(), labels, record.digest(),
                JsonHighlight.tokens(request.payload()), PayloadDiff.of(request.payload()),
                request.context().isEmpty() ? List.of() : JsonHighlight.tokens(request.context()),
                record.decision().rules(), record.decision().controls(), quorum(record), Lifecycle.approvers(record).size(), reviews,
                record.createdAt(), record.status() == Status.PENDING ? record.expiresAt() : null, refused == null, whyNot, required, outcome,
                breakGlass(record.breakGlass()), Lifecycle.breakGlassRefusal(record, session.principal(), clock.instant()) == null,
                Lifecycle.breakGlassReviewRefusal(record, session.principal()) == null, error);
    }

    /** The admin's override in one line, with where its review afterwards stands. */
    private static String breakGlass(io.countersign.lifecycle.BreakGlass glass) {
        if (glass == null) {
            return null;
        }
        var review = glass.review();
        return glass.byName() + " (" + glass.by() + ") at " + glass.at() + ": " + glass.justification() + " — review afterwards: "
                + (review == null ? "pending" : review.verdict().wireName() + " by " + review.reviewerName() + " (" + review.reviewer() + ")"
                + (review.comment() == null ? "" : ": " + review.comment()));
    }

    private static ConsoleViews.ReviewLine reviewLine(Review review) {
        return new ConsoleViews.ReviewLine(review.reviewer(), review.by() == null ? review.reviewerName()
                : review.byName() + " for " + review.reviewerName(),
                review.decision() == ReviewDecision.APPROVE ? "approved" : "denied", review.comment(), review.at());
    }

    ConsoleViews.AuditEntry auditEntry(long index, byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        JsonNode entry;
        try {
            entry = Json.parse(text);
        } catch (RuntimeException e) {
            return new ConsoleViews.AuditEntry(index, "(unreadable)", "", "", "", text);
        }
        return new ConsoleViews.AuditEntry(index, entry.path("type").asString(""), entry.path("time").asString(""),
                entry.path("actor").asString(""), entry.path("action_id").asString(""), ConsoleRoutes.pretty(entry));
    }

    ConsoleViews.Policy policy(Policy policy, List<ActionEvent> history, ConsoleViews.Frame frame) {
        List<ConsoleViews.PolicyRule> rules = policy.rules().stream().map(ConsolePages::rule).toList();
        List<ConsoleViews.PolicyLoad> loads = history.stream().map(event -> new ConsoleViews.PolicyLoad(event.type().wireName(), event.at(),
                summary(event))).toList();
        return new ConsoleViews.Policy(frame, policy.version().value(), policy.defaultEffect().wireName(), policy.files(), rules, loads);
    }

    private static ConsoleViews.PolicyRule rule(Rule rule) {
        String approvals = rule.effect() == Effect.REQUIRE_APPROVAL
                ? rule.minApprovals() + " from " + String.join(" or ", rule.approvers()) + (rule.anyDenyEnds() ? ", any deny ends it" : "")
                + ", within " + io.countersign.policy.DurationText.format(rule.ttl())
                + (rule.justification() == Justification.REQUIRED ? ", justification required" : "")
                : null;
        return new ConsoleViews.PolicyRule(rule.id(), rule.description(), rule.file(), rule.line(), rule.effect().wireName(), rule.when().source(),
                approvals, rule.require() == null ? null : rule.require().source(), rule.controls(), rule.channels());
    }

    private static String summary(ActionEvent event) {
        return switch (event.event()) {
            case AuditEvent.PolicyRejected rejected -> "rejected: " + Json.text(Json.MAPPER.valueToTree(rejected.problems()));
            case AuditEvent.PolicyLoaded loaded -> "version " + loaded.version() + (loaded.trigger() != null ? " (" + loaded.trigger() + ")" : "")
                    + ", " + loaded.rules() + " rules";
            default -> event.type().wireName();
        };
    }
}
