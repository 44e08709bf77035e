package io.countersign.webhooks;

import io.countersign.model.InvalidInputException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Per-action callbacks: an agent may name a {@code callback_url} on submit and be told of every change
 * of its action there, signed like every webhook, instead of waiting. Only hosts on the allow-list may
 * be named, so that Countersign cannot be made to call arbitrary internal addresses.
 *
 * @param allowedHosts exact host names, or {@code *.example.com} for any host under a domain
 * @param retry        waits before each retry; callbacks are for agents that are running now, so the
 *                     default gives up within minutes rather than a day
 */
public record Callbacks(List<String> allowedHosts, byte[] key, List<Duration> retry) {
    public static final List<Duration> DEFAULT_RETRY = List.of(Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofSeconds(30), Duration.ofMinutes(2));
    /** A server without a {@code callbacks} section accepts no callback URL. */
    public static final Callbacks DISABLED = new Callbacks(List.of(), new byte[0], List.of());

    public Callbacks {
        allowedHosts = allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        retry = List.copyOf(retry);
    }

    /** Refuses a callback URL whose host is not allowed, naming the field. */
    public void check(URI url) {
        if (url == null) {
            return;
        }
        if (allowedHosts.isEmpty()) {
            throw new InvalidInputException("callback_url", "this server accepts no callback_url (no callbacks section in its settings); wait on the action instead");
        }
        String host = url.getHost().toLowerCase(Locale.ROOT);
        boolean allowed = allowedHosts.stream().anyMatch(pattern -> pattern.startsWith("*.")
                ? host.endsWith(pattern.substring(1)) : host.equals(pattern));
        if (!allowed) {
            throw new InvalidInputException("callback_url", "the host '" + host + "' is not one this server calls back; allowed: "
                    + String.join(", ", allowedHosts));
        }
    }

    /** The endpoint a callback to {@code url} is delivered to. */
    WebhookEndpoint endpoint(URI url) {
        return new WebhookEndpoint(url, key, retry);
    }
}
