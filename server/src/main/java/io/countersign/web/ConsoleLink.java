package io.countersign.web;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.net.URI;

/**
 * Where a person opens one request in the console, for messages that leave Countersign (an AWS error, an
 * admission refusal): under {@code web.public_url} when it is set, else on the host the caller reached.
 */
public record ConsoleLink(URI publicUrl) {
    public String to(ServerRequest request, String actionId) {
        if (publicUrl != null) {
            return publicUrl.resolve("requests/" + actionId).toString();
        }
        return "http://" + request.headers().first(HeaderNames.HOST).orElse("localhost") + "/requests/" + actionId;
    }
}
