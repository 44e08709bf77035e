package io.countersign.channels.slack;

import io.countersign.identity.Identities;
import io.countersign.channels.AgentText;
import io.countersign.json.Json;
import io.countersign.lifecycle.ActionNotFoundException;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.ActionService;
import io.countersign.lifecycle.Lifecycle;
import io.countersign.lifecycle.LifecycleException;
import io.countersign.lifecycle.ReviewDecision;
import io.countersign.lifecycle.Transition;
import io.countersign.model.ActionId;
import io.countersign.model.Principal;
import io.countersign.policy.Justification;
import io.countersign.policy.RequireApproval;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What Countersign does with a Slack interaction, however it arrived (the HTTP request URL or Socket
 * Mode): button clicks and the justification modal. The clicker is whoever the identities file maps
 * their Slack user id to; the decision goes through {@link ActionService#review} like any API review, so
 * self-approval, eligibility and the quorum of distinct humans are enforced on the server. When
 * nothing changes, the clicker is told why in a message only they see.
 */
public final class SlackInteractions {
    private static final System.Logger LOG = System.getLogger(SlackInteractions.class.getName());

    private final SlackClient slack;
    private final ActionService actions;
    private final Supplier<Identities> identities;
    private final Clock clock;
    private final String teamId;
    private final String appId;

    /** How to answer Slack: at once, and for a modal's submit, with what the modal should show. */
    public sealed interface Reply {
        /** Received; any work goes on after the answer. */
        record Acknowledged() implements Reply {
        }

        /** Received, with a body Slack acts on ({@code response_action}). */
        record Respond(ObjectNode body) implements Reply {
        }

        /** Not taken: the interaction is not one Countersign may act on. */
        record Refused(String error, String message) implements Reply {
        }
    }

    /**
     * @param teamId the workspace interactions must come from, or null for any
     * @param appId  the app interactions must be for, or null for any
     */
    public SlackInteractions(SlackClient slack, ActionService actions, Supplier<Identities> identities, Clock clock, String teamId, String appId) {
        this.teamId = teamId;
        this.appId = appId;
        this.slack = slack;
        this.actions = actions;
        this.identities = identities;
        this.clock = clock;
    }

    /** Handles one interaction payload (Slack's JSON); answers fast, so Slack's 3 s limit holds. */
    public Reply handle(JsonNode payload) {
        String team = payload.path("team").path("id").asString(payload.path("user").path("team_id").asString(""));
        if (teamId != null && !teamId.equals(team) || appId != null && !appId.equals(payload.path("api_app_id").asString(""))) {
            // From another workspace or app, yet it reached us: refuse rather than guess whose click it is.
            return new Reply.Refused("wrong_workspace", "this interaction is not from the Slack workspace and app Countersign is configured for");
        }
        return switch (payload.path("type").asString("")) {
            case "block_actions" -> {
                // The work (a modal, a review) follows on its own thread, after the answer.
                Thread.ofVirtual().name("countersign-slack-click").start(() -> click(payload));
                yield new Reply.Acknowledged();
            }
            case "view_submission" -> submit(payload);
            default -> new Reply.Acknowledged();
        };
    }

    private void click(JsonNode payload) {
        String user = payload.path("user").path("id").asString("");
        String channel = payload.path("channel").path("id").asString(payload.path("container").path("channel_id").asString(""));
        JsonNode action = payload.path("actions").path(0);
        String decision = action.path("action_id").asString("");
        String id = action.path("value").asString("");
        try {
            Optional<Principal> clicker = identities.get().byAccount("slack", user);
            if (clicker.isEmpty()) {
                tell(channel, user, "Your Slack account is not mapped to a Countersign identity, so your click was not counted."
                        + " Ask an administrator to add it to the identities file. Nothing changed.");
                return;
            }
            if (!decision.equals("approve") && !decision.equals("deny") || !ActionId.isWellFormed(id)) {
                tell(channel, user, "That button is not one Countersign knows. Nothing changed.");
                return;
            }
            ActionRecord record = actions.find(new ActionId(id)).orElseThrow(() -> new ActionNotFoundException(id));
            Transition.Refused refused = Lifecycle.reviewRefusal(record, clicker.get(), clock.instant());
            if (refused != null) {
                tell(channel, user, "Your " + decision + " was not counted: " + refused.message() + ". Nothing changed.");
                return;
            }
            if (decision.equals("approve") && !AgentText.payloadFits(record)) {
                tell(channel, user, "This request's payload is too long to show in Slack, so it is not approved here: review it "
                        + "in the console, where all of it is shown. Nothing changed.");
                return;
            }
            boolean required = record.decision() instanceof RequireApproval r && r.justification() == Justification.REQUIRED;
            if (required || decision.equals("deny")) {
                slack.openModal(payload.path("trigger_id").asString(""), ReviewMessage.justificationModal(record, decision, required));
                return;
            }
            actions.review(clicker.get(), record.id(), ReviewDecision.APPROVE, null);
        } catch (LifecycleException | ActionNotFoundException e) {
            tell(channel, user, "Your " + decision + " was not counted: " + e.getMessage() + ". Nothing changed.");
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "a Slack click on " + id + " failed", e);
            tell(channel, user, "Countersign could not record your " + decision + " just now; nothing changed. Try again or use the console.");
        }
    }

    /** The modal's submit: the decision with its justification. Refusals keep the modal open and say why. */
    private Reply submit(JsonNode payload) {
        JsonNode view = payload.path("view");
        JsonNode metadata;
        try {
            metadata = Json.parse(view.path("private_metadata").asString("{}"));
        } catch (RuntimeException e) {
            metadata = Json.object();
        }
        String id = metadata.path("action_id").asString("");
        String decision = metadata.path("decision").asString("");
        String text = view.path("state").path("values").path("justification").path("text").path("value").asString(null);
        Optional<Principal> clicker = identities.get().byAccount("slack", payload.path("user").path("id").asString(""));
        String refusal;
        if (clicker.isEmpty()) {
            refusal = "Your Slack account is not mapped to a Countersign identity; nothing changed.";
        } else if (!ActionId.isWellFormed(id) || !(decision.equals("approve") || decision.equals("deny"))) {
            refusal = "This form does not name a request; nothing changed.";
        } else {
            try {
                if (decision.equals("approve") && actions.find(new ActionId(id)).filter(r -> !AgentText.payloadFits(r)).isPresent()) {
                    refusal = "This request's payload is too long to show in Slack: approve it in the console. Nothing changed.";
                } else {
                    actions.review(clicker.get(), new ActionId(id), ReviewDecision.fromWire(decision), text);
                    return new Reply.Acknowledged();
                }
            } catch (LifecycleException | ActionNotFoundException e) {
                refusal = "Not counted: " + e.getMessage() + ". Nothing changed.";
            }
        }
        ObjectNode answer = Json.object();
        answer.put("response_action", "errors");
        answer.putObject("errors").put("justification", refusal.length() > 1000 ? refusal.substring(0, 1000) : refusal);
        return new Reply.Respond(answer);
    }

    private void tell(String channel, String user, String text) {
        try {
            slack.ephemeral(channel, user, text);
        } catch (SlackClient.SlackCallFailed e) {
            LOG.log(Level.WARNING, "could not tell a Slack user why their click was refused: " + e.getMessage());
        }
    }
}
