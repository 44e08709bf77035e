package io.countersign.channels.teams;

import io.countersign.channels.ChannelCallFailed;
import io.countersign.json.Json;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import tools.jackson.databind.node.ObjectNode;

/** What the bot and the Workflows webhook share: a card as a Teams message, and a call that fails as a {@link ChannelCallFailed}. */
final class TeamsHttp {
    static final String CARD = "application/vnd.microsoft.card.adaptive";

    private TeamsHttp() {
    }

    /** A {@code message} activity carrying {@code card} as its one attachment. */
    static ObjectNode message(ObjectNode card) {
        ObjectNode message = Json.object();
        message.put("type", "message");
        ObjectNode attachment = message.putArray("attachments").addObject();
        attachment.put("contentType", CARD);
        attachment.putNull("contentUrl");
        attachment.set("content", card);
        return message;
    }

    /** @param call what the call is, for the failure (never the URL: a workflow's URL is its credential) */
    static HttpResponse<String> send(HttpClient http, HttpRequest request, String call) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ChannelCallFailed(call, e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChannelCallFailed(call, "interrupted");
        }
    }
}
