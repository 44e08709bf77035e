package io.countersign.channels.teams;

import io.countersign.api.JsonResponses;
import io.countersign.api.RequestBodies;
import io.countersign.channels.ReplayGuard;
import io.countersign.store.ReplayStore;
import io.countersign.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import tools.jackson.databind.JsonNode;

/**
 * The bot's messaging endpoint ({@code POST /v1/channels/teams/messages}): every activity is checked to
 * come from the Bot Connector for this bot ({@link BotTokenVerifier}) before anything else is done
 * with it, and each activity id is taken once while its token could still be replayed. Card clicks
 * ({@code adaptiveCard/action} invokes) are answered with the refreshed card or a message; other
 * activities (the bot installed, a message typed to it) are acknowledged and otherwise ignored.
 */
final class TeamsMessages implements HttpService {
    private static final long MAX_BODY = 256 * 1024;

    private final BotTokenVerifier verifier;
    private final TeamsInvokes invokes;
    private final Clock clock;
    /** Activity ids taken, until their token expires: a replayed invoke is refused even though its token is valid. */
    private final ReplayGuard seen;

    TeamsMessages(BotTokenVerifier verifier, TeamsInvokes invokes, ReplayStore replays, Clock clock) {
        this.seen = new ReplayGuard(replays, "teams-activity");
        this.verifier = verifier;
        this.invokes = invokes;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/messages", this::receive);
    }

    private void receive(ServerRequest request, ServerResponse response) {
        byte[] body = RequestBodies.raw(request, MAX_BODY);
        JsonNode activity;
        try {
            activity = Json.parse(new String(body, java.nio.charset.StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            activity = null;
        }
        if (activity == null || !activity.isObject()) {
            JsonResponses.sendError(response, Status.BAD_REQUEST_400, "malformed_activity", null, "expected a Bot Framework activity (a JSON object)");
            return;
        }
        switch (verifier.check(request.headers().first(HeaderNames.AUTHORIZATION).orElse(null), activity)) {
            case BotTokenVerifier.Refusal refusal -> {
                JsonResponses.sendError(response, Status.create(refusal.status()), refusal.status() == 503 ? "keys_unavailable"
                        : refusal.status() == 401 ? "bad_token" : "forbidden", null, refusal.message());
                return;
            }
            case BotTokenVerifier.Accepted accepted -> {
                String id = activity.path("id").asString("");
                if (id.isEmpty()) {
                    JsonResponses.sendError(response, Status.BAD_REQUEST_400, "malformed_activity", "id", "the activity has no id");
                    return;
                }
                if (!seen.firstTime(id, accepted.expires(), clock.instant())) {
                    JsonResponses.sendError(response, Status.FORBIDDEN_403, "replayed", "id", "this activity was already received: a replay");
                    return;
                }
            }
        }
        if ("invoke".equals(activity.path("type").asString(""))) {
            if (!TeamsInvokes.ACTION.equals(activity.path("name").asString(""))) {
                JsonResponses.sendError(response, Status.NOT_IMPLEMENTED_501, "unsupported_invoke", "name",
                        "this bot answers only adaptiveCard/action invokes");
                return;
            }
            JsonResponses.send(response, Status.OK_200, invokes.handle(activity).body());
            return;
        }
        response.status(Status.OK_200).send();
    }
}
