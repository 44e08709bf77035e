package io.countersign.channels.teams;

import io.countersign.channels.ChannelCallFailed;
import io.countersign.json.Json;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Bot Connector REST calls Countersign makes as the bot: send a card to a conversation and replace
 * it later. Each call carries the bot's client-credentials token from Entra, kept until a minute
 * before it expires. Proactive messages go to the configured service URL only, never to one an inbound
 * activity names, so the bot's token is never sent where a caller chose.
 */
final class BotConnector {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final Duration RENEW_BEFORE = Duration.ofSeconds(60);

    private final TeamsSettings.Bot bot;
    private final HttpClient http;
    private final Clock clock;
    private String token;
    private Instant renewAt = Instant.EPOCH;

    BotConnector(TeamsSettings.Bot bot, HttpClient http, Clock clock) {
        this.bot = bot;
        this.http = http;
        this.clock = clock;
    }

    /** Sends a card to a conversation; returns the new activity's id. */
    String send(String conversation, ObjectNode card) {
        JsonNode answer = call("POST", "v3/conversations/" + segment(conversation) + "/activities", message(card, null));
        String id = answer.path("id").asString("");
        if (id.isEmpty()) {
            throw new ChannelCallFailed("send activity", "the Bot Connector answered without an activity id");
        }
        return id;
    }

    /** Replaces the card of an activity sent earlier. */
    void update(String conversation, String activityId, ObjectNode card) {
        call("PUT", "v3/conversations/" + segment(conversation) + "/activities/" + segment(activityId), message(card, activityId));
    }

    private ObjectNode message(ObjectNode card, String activityId) {
        ObjectNode activity = TeamsHttp.message(card);
        if (activityId != null) {
            activity.put("id", activityId);
        }
        activity.putObject("from").put("id", "28:" + bot.appId());
        return activity;
    }

    private JsonNode call(String method, String path, ObjectNode body) {
        String name = method.equals("POST") ? "send activity" : "update activity";
        HttpRequest request = HttpRequest.newBuilder(bot.serviceUrl().resolve(path))
                .timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token())
                .header("Content-Type", "application/json; charset=utf-8")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)))
                .build();
        HttpResponse<String> response = TeamsHttp.send(http, request, name);
        if (response.statusCode() == 401) {
            // The token may have been revoked early: the next call fetches a new one.
            synchronized (this) {
                renewAt = Instant.EPOCH;
            }
        }
        if (response.statusCode() / 100 != 2) {
            throw new ChannelCallFailed(name, "HTTP " + response.statusCode());
        }
        try {
            return response.body().isBlank() ? Json.object() : Json.parse(response.body());
        } catch (RuntimeException e) {
            throw new ChannelCallFailed(name, "the Bot Connector's answer is not JSON");
        }
    }

    /** The bot's token, from the cache or fresh from the token endpoint. */
    private synchronized String token() {
        if (token != null && clock.instant().isBefore(renewAt)) {
            return token;
        }
        String form = "grant_type=client_credentials&client_id=" + encode(bot.appId()) + "&client_secret=" + encode(bot.clientSecret())
                + "&scope=" + encode("https://api.botframework.com/.default");
        HttpResponse<String> response = TeamsHttp.send(http, HttpRequest.newBuilder(bot.tokenUrl()).timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), "token");
        if (response.statusCode() != 200) {
            throw new ChannelCallFailed("token", "the token endpoint answered HTTP " + response.statusCode());
        }
        JsonNode answer;
        try {
            answer = Json.parse(response.body());
        } catch (RuntimeException e) {
            throw new ChannelCallFailed("token", "the token endpoint's answer is not JSON");
        }
        String fresh = answer.path("access_token").asString("");
        if (fresh.isEmpty()) {
            throw new ChannelCallFailed("token", "the token endpoint's answer has no access_token");
        }
        token = fresh;
        renewAt = clock.instant().plusSeconds(answer.path("expires_in").asLong(3599)).minus(RENEW_BEFORE);
        return token;
    }

    private static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
