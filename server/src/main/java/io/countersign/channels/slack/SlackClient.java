package io.countersign.channels.slack;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import com.slack.api.methods.request.chat.ChatPostEphemeralRequest;
import com.slack.api.methods.request.chat.ChatPostMessageRequest;
import com.slack.api.methods.request.chat.ChatUpdateRequest;
import com.slack.api.methods.request.views.ViewsOpenRequest;
import com.slack.api.methods.response.chat.ChatPostMessageResponse;
import io.countersign.json.Json;
import java.io.IOException;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Slack Web API calls Countersign makes, through Slack's own Java client. Slack answers errors with
 * HTTP 200 and {@code "ok": false}; every answer is checked.
 */
public final class SlackClient {
    private final Slack slack;
    private final MethodsClient methods;

    /** Slack could not be reached or refused the call; {@code error} is Slack's code ({@code channel_not_found}). */
    public static final class SlackCallFailed extends io.countersign.channels.ChannelCallFailed {
        SlackCallFailed(String call, String error) {
            super(call, error);
        }
    }

    /** @param apiUrl Slack's Web API base ({@code https://slack.com/api/}); tests point it at a local fake */
    public SlackClient(String apiUrl, String botToken) {
        SlackConfig config = new SlackConfig();
        config.setMethodsEndpointUrlPrefix(apiUrl.endsWith("/") ? apiUrl : apiUrl + "/");
        config.setPrettyResponseLoggingEnabled(false);
        this.slack = Slack.getInstance(config);
        this.methods = slack.methods(botToken);
    }

    /** Slack's client as configured here (same base URL), for Socket Mode. */
    Slack slack() {
        return slack;
    }

    /** Posts a message (in a thread when {@code threadTs} is given); returns its {@code ts}. */
    public String post(String channel, String text, ArrayNode blocks, String threadTs) {
        ChatPostMessageRequest.ChatPostMessageRequestBuilder request = ChatPostMessageRequest.builder()
                .channel(channel).text(text).unfurlLinks(false).unfurlMedia(false).threadTs(threadTs);
        if (blocks != null) {
            request.blocksAsString(Json.text(blocks));
        }
        ChatPostMessageResponse response = checked("chat.postMessage", () -> methods.chatPostMessage(request.build()));
        return response.getTs();
    }

    public void update(String channel, String ts, String text, ArrayNode blocks) {
        checked("chat.update", () -> methods.chatUpdate(ChatUpdateRequest.builder()
                .channel(channel).ts(ts).text(text).blocksAsString(Json.text(blocks)).build()));
    }

    public void openModal(String triggerId, ObjectNode view) {
        checked("views.open", () -> methods.viewsOpen(ViewsOpenRequest.builder().triggerId(triggerId).viewAsString(Json.text(view)).build()));
    }

    /** A message only {@code user} sees, in {@code channel}: how the clicker is told why nothing changed. */
    public void ephemeral(String channel, String user, String text) {
        checked("chat.postEphemeral", () -> methods.chatPostEphemeral(ChatPostEphemeralRequest.builder()
                .channel(channel).user(user).text(text).build()));
    }

    private interface Call<T extends SlackApiTextResponse> {
        T call() throws IOException, SlackApiException;
    }

    private static <T extends SlackApiTextResponse> T checked(String name, Call<T> call) {
        T response;
        try {
            response = call.call();
        } catch (IOException | SlackApiException e) {
            throw new SlackCallFailed(name, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
        if (!response.isOk()) {
            throw new SlackCallFailed(name, response.getError());
        }
        return response;
    }
}
