package io.countersign.webhooks;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * One receiver of outbound webhooks, from {@code countersign.yaml}.
 *
 * @param retry the waits before each retry; after the last one the entry is given up (recorded)
 */
public record WebhookEndpoint(URI url, byte[] key, List<Duration> retry) {
    /** The Standard Webhooks schedule after the first attempt: 5 s, 5 m, 30 m, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
    public static final List<Duration> STANDARD_RETRY = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5),
            Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(14),
            Duration.ofHours(20), Duration.ofHours(24));

    public WebhookEndpoint {
        retry = List.copyOf(retry);
    }

    @Override
    public String toString() {
        return url.toString();
    }
}
