package io.countersign.channels.slack;

import io.countersign.api.JsonResponses;
import io.countersign.api.RequestBodies;
import io.countersign.channels.ReplayGuard;
import io.countersign.store.ReplayStore;
import io.countersign.json.Json;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * Slack's interactivity request URL ({@code POST /v1/channels/slack/interactions}). Every request is
 * checked to be Slack's before anything is read from it: the signature over the raw body, a five-minute
 * window both ways, and each signature accepted once.
 */
public final class SlackRequestUrl implements HttpService {
    private static final long MAX_BODY = 256 * 1024;
    private static final HeaderName TIMESTAMP = HeaderNames.create("X-Slack-Request-Timestamp");
    private static final HeaderName SIGNATURE = HeaderNames.create("X-Slack-Signature");

    private final SlackSignature signature;
    private final SlackInteractions interactions;
    private final Clock clock;
    /** Signatures seen within the window: a replayed request is refused even though its signature is valid. */
    private final ReplayGuard seen;

    public SlackRequestUrl(SlackSignature signature, SlackInteractions interactions, ReplayStore replays, Clock clock) {
        this.seen = new ReplayGuard(replays, "slack-request");
        this.signature = signature;
        this.interactions = interactions;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/interactions", this::interact);
    }

    private void interact(ServerRequest request, ServerResponse response) {
        byte[] body = RequestBodies.raw(request, MAX_BODY);
        String timestamp = request.headers().first(TIMESTAMP).orElse(null);
        String signed = request.headers().first(SIGNATURE).orElse(null);
        Instant now = clock.instant();
        String problem = signature.problem(timestamp, signed, body, now);
        if (problem == null && !seen.firstTime(signed, now.plus(SlackSignature.WINDOW.multipliedBy(2)), now)) {
            problem = "this request was already received: a replay";
        }
        if (problem != null) {
            JsonResponses.sendError(response, Status.UNAUTHORIZED_401, "bad_signature", null, problem);
            return;
        }
        JsonNode payload = payload(body);
        if (payload == null) {
            JsonResponses.sendError(response, Status.BAD_REQUEST_400, "malformed_payload", "payload",
                    "expected a form field 'payload' holding Slack's JSON");
            return;
        }
        switch (interactions.handle(payload)) {
            case SlackInteractions.Reply.Acknowledged ignored -> response.status(Status.OK_200).send();
            case SlackInteractions.Reply.Respond respond -> JsonResponses.send(response, Status.OK_200, respond.body());
            case SlackInteractions.Reply.Refused refused -> JsonResponses.sendError(response, Status.FORBIDDEN_403, refused.error(), null, refused.message());
        }
    }

    private static JsonNode payload(byte[] body) {
        String payload = RequestBodies.form(body).get("payload");
        if (payload == null) {
            return null;
        }
        try {
            JsonNode parsed = Json.parse(payload);
            return parsed.isObject() ? parsed : null;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
