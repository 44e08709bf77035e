package io.countersign.channels.teams;

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
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What Countersign does with an {@code adaptiveCard/action} invoke from a review card: Approve, Deny,
 * or refresh. The clicker is whoever the identities file maps their Entra object id
 * ({@code from.aadObjectId}) to; the decision goes through {@link ActionService#review} like any API
 * review, so self-approval, eligibility, justification and the quorum are enforced on the server. A
 * counted review answers with the refreshed card; anything else with a message that says why nothing
 * changed.
 */
final class TeamsInvokes {
    private static final System.Logger LOG = System.getLogger(TeamsInvokes.class.getName());
    static final String ACTION = "adaptiveCard/action";

    /** The invoke response, in Universal Actions' envelope ({@code statusCode}, {@code type}, {@code value}). */
    sealed interface Reply {
        ObjectNode body();

        /** The card that replaces the clicker's view. */
        record Card(ObjectNode card) implements Reply {
            @Override
            public ObjectNode body() {
                return envelope(200, TeamsHttp.CARD).set("value", card);
            }
        }

        /** A message Teams shows the clicker; the card stays as it was, with what they typed. */
        record Message(String text) implements Reply {
            @Override
            public ObjectNode body() {
                return envelope(200, "application/vnd.microsoft.activity.message").put("value", text);
            }
        }

        /** The invoke is not one Countersign understands. */
        record Error(String message) implements Reply {
            @Override
            public ObjectNode body() {
                ObjectNode body = envelope(400, "application/vnd.microsoft.error");
                body.putObject("value").put("code", "BadRequest").put("message", message);
                return body;
            }
        }

        private static ObjectNode envelope(int status, String type) {
            ObjectNode body = Json.object();
            body.put("statusCode", status);
            body.put("type", type);
            return body;
        }
    }

    private final ActionService actions;
    private final Supplier<Identities> identities;
    private final URI console;
    private final Clock clock;

    TeamsInvokes(ActionService actions, Supplier<Identities> identities, URI console, Clock clock) {
        this.actions = actions;
        this.identities = identities;
        this.console = console;
        this.clock = clock;
    }

    Reply handle(JsonNode activity) {
        JsonNode action = activity.path("value").path("action");
        String verb = action.path("verb").asString("");
        String id = action.path("data").path("requestId").asString("");
        if (!"Action.Execute".equals(action.path("type").asString("")) || !ActionId.isWellFormed(id)
                || !(verb.equals("approve") || verb.equals("deny") || verb.equals("refresh"))) {
            return new Reply.Error("expected an Action.Execute with verb approve, deny or refresh and data.requestId naming a request");
        }
        Optional<ActionRecord> found = actions.find(new ActionId(id));
        if (found.isEmpty()) {
            return new Reply.Message("There is no request " + id + ". Nothing changed.");
        }
        if (verb.equals("refresh")) {
            return new Reply.Card(ReviewCard.interactive(found.get(), console));
        }
        Optional<Principal> clicker = identities.get().byAccount("teams", activity.path("from").path("aadObjectId").asString(null));
        if (clicker.isEmpty()) {
            return new Reply.Message("Your Teams account is not mapped to a Countersign identity, so your " + verb + " was not counted."
                    + " Ask an administrator to add your Entra object id to the identities file. Nothing changed.");
        }
        Transition.Refused refused = Lifecycle.reviewRefusal(found.get(), clicker.get(), clock.instant());
        if (refused != null) {
            return new Reply.Message("Your " + verb + " was not counted: " + refused.message() + ". Nothing changed.");
        }
        if (verb.equals("approve") && !AgentText.payloadFits(found.get())) {
            return new Reply.Message("This request's payload is too long to show in Teams, so it is not approved here: review it in the "
                    + "console, where all of it is shown. Nothing changed.");
        }
        String justification = action.path("data").path("justification").asString("").strip();
        try {
            ActionRecord updated = actions.review(clicker.get(), found.get().id(), ReviewDecision.fromWire(verb),
                    justification.isEmpty() ? null : justification);
            return new Reply.Card(ReviewCard.interactive(updated, console));
        } catch (LifecycleException | ActionNotFoundException e) {
            return new Reply.Message("Your " + verb + " was not counted: " + e.getMessage() + ". Nothing changed.");
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "a Teams " + verb + " on " + id + " failed", e);
            return new Reply.Message("Countersign could not record your " + verb + " just now; nothing changed. Try again or use the console.");
        }
    }
}
