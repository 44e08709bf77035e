package io.countersign.channels.teams;

import io.countersign.channels.ChannelCallFailed;
import io.countersign.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts a card to a Teams Workflows webhook ("When a Teams webhook request is received"). The URL
 * carries its own signature, so it is the credential: failures name the workflow, never the URL.
 */
final class WorkflowsWebhook {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final HttpClient http;

    WorkflowsWebhook(HttpClient http) {
        this.http = http;
    }

    void post(String name, URI url, ObjectNode card) {
        String call = "workflow " + name;
        HttpResponse<String> response = TeamsHttp.send(http, HttpRequest.newBuilder(url).timeout(TIMEOUT)
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(TeamsHttp.message(card)))).build(), call);
        if (response.statusCode() / 100 != 2) {
            throw new ChannelCallFailed(call, "HTTP " + response.statusCode());
        }
    }
}
