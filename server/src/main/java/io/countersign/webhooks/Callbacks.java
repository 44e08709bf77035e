package io.countersign.webhooks;

import io.countersign.model.InvalidInputException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Per-action callbacks: an agent may name a {@code callback_url} on submit and be told of every change
 * of its action there, signed like every webhook, instead of waiting. Only origins on the allow-list may
 * be named (scheme, host and port), so that Countersign cannot be made to call arbitrary internal addresses.
 *
 * @param allowed origins, exact or {@code https://*.example.com} for any host under a domain
 * @param retry   waits before each retry; callbacks are for agents that are running now, so the default
 *                gives up within minutes rather than a day. An endpoint's {@code Retry-After} is honoured
 *                up to the longest of these, never longer
 */
public record Callbacks(List<Origin> allowed, byte[] key, List<Duration> retry) {
    public static final List<Duration> DEFAULT_RETRY = List.of(Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofSeconds(30), Duration.ofMinutes(2));
    /** The longest wait a callback schedule may have, and the most retries. */
    public static final Duration LONGEST_WAIT = Duration.ofHours(1);
    public static final int MOST_RETRIES = 10;
    /** A server without a {@code callbacks} section accepts no callback URL. */
    public static final Callbacks DISABLED = new Callbacks(List.of(), new byte[0], List.of());

    /**
     * An origin callbacks may go to.
     *
     * @param host a host name, or {@code *.example.com} for any host under that domain
     */
    public record Origin(String scheme, String host, int port) {
        public Origin {
            scheme = scheme.toLowerCase(Locale.ROOT);
            host = host.toLowerCase(Locale.ROOT);
        }

        /**
         * Reads {@code https://agents.example.com}, {@code http://127.0.0.1:8080}, {@code https://*.example.com:8443};
         * a bare host ({@code agents.example.com}) means https on port 443.
         *
         * @throws IllegalArgumentException saying what is wrong
         */
        public static Origin parse(String text) {
            String scheme = "https";
            String rest = text;
            int separator = text.indexOf("://");
            if (separator >= 0) {
                scheme = text.substring(0, separator).toLowerCase(Locale.ROOT);
                rest = text.substring(separator + 3);
            }
            if (!scheme.equals("https") && !scheme.equals("http")) {
                throw new IllegalArgumentException("'" + text + "' is not an http(s) origin");
            }
            int port = scheme.equals("https") ? 443 : 80;
            int colon = rest.lastIndexOf(':');
            if (colon >= 0) {
                try {
                    port = Integer.parseInt(rest.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + text + "' has no port number after ':'");
                }
                rest = rest.substring(0, colon);
            }
            if (!rest.matches("(\\*\\.)?[A-Za-z0-9.-]+") || port < 1 || port > 65535) {
                throw new IllegalArgumentException("'" + text + "' is not an origin such as https://agents.example.com or http://127.0.0.1:8080");
            }
            return new Origin(scheme, rest, port);
        }

        boolean allows(String urlScheme, String urlHost, int urlPort) {
            boolean hostMatches = host.startsWith("*.") ? urlHost.endsWith(host.substring(1)) : urlHost.equals(host);
            return scheme.equals(urlScheme) && port == urlPort && hostMatches;
        }

        @Override
        public String toString() {
            return scheme + "://" + host + ":" + port;
        }
    }

    public Callbacks {
        allowed = List.copyOf(allowed);
        retry = List.copyOf(retry);
    }

    /** Where a URL's callbacks queue: its scheme, host and port; each destination waits only for its own retries. */
    public static String destination(URI url) {
        String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        return scheme + "://" + url.getHost().toLowerCase(Locale.ROOT) + ":" + port(url);
    }

    private static int port(URI url) {
        return url.getPort() != -1 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }

    /** Whether callbacks may go to {@code url}: its scheme, host and port are one of an allowed origin. */
    public boolean allows(URI url) {
        return url != null && url.getHost() != null && allowed.stream().anyMatch(origin -> origin.allows(
                url.getScheme().toLowerCase(Locale.ROOT), url.getHost().toLowerCase(Locale.ROOT), port(url)));
    }

    /** Refuses a callback URL whose origin is not allowed, naming the field. */
    public void check(URI url) {
        if (url == null) {
            return;
        }
        if (allowed.isEmpty()) {
            throw new InvalidInputException("callback_url", "this server accepts no callback_url (no callbacks section in its settings); wait on the action instead");
        }
        if (!allows(url)) {
            throw new InvalidInputException("callback_url", "'" + destination(url) + "' is not an origin this server calls back; allowed: "
                    + String.join(", ", allowed.stream().map(Origin::toString).toList()));
        }
    }

    /** The longest an endpoint's Retry-After may hold a callback back. */
    Duration longestWait() {
        return retry.stream().max(Duration::compareTo).orElse(Duration.ofSeconds(1));
    }

    /** The endpoint a callback to {@code url} is delivered to. */
    WebhookEndpoint endpoint(URI url) {
        return new WebhookEndpoint(url, key, retry);
    }
}
