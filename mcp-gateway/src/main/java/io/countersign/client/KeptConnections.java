package io.countersign.client;

import io.helidon.common.tls.Tls;
import io.helidon.webclient.api.ConnectionKey;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.api.WebClientConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The kept-alive connections to one Countersign server, last used first. Helidon's own connection cache
 * starts a virtual thread for every connection it takes back, which reads the idle socket to notice a
 * close; the next request then waits for that thread to hand over the first byte of its answer. On the
 * MCP gateway's path that was a virtual thread started, scheduled and woken twice for every decision.
 * Here a connection is simply not used again once it has been idle as long as the server may keep it
 * ({@link #MAX_IDLE}, the least idle timeout a node accepts); a node that went away meanwhile (restarted)
 * is met by the caller, which tries once more on a fresh connection ({@link Lease#reused()}).
 */
final class KeptConnections {
    /** The shortest {@code http.idle_timeout} a node allows: a connection idle for less is still open at its end. */
    static final Duration MAX_IDLE = Duration.ofSeconds(1);
    /** More idle connections than this are closed rather than kept: bursts of concurrent calls end. */
    private static final int MAX_KEPT = 16;

    /** A connection for one exchange; {@code reused} when it served an exchange before. */
    record Lease(TcpClientConnection connection, boolean reused) {
    }

    private record Idle(TcpClientConnection connection, long since) {
    }

    private final WebClient client;
    private final ConnectionKey key;
    private final Deque<Idle> idle = new ConcurrentLinkedDeque<>();

    KeptConnections(WebClient client, URI server) {
        this.client = client;
        WebClientConfig config = client.prototype();
        boolean https = "https".equalsIgnoreCase(server.getScheme());
        int port = server.getPort() != -1 ? server.getPort() : https ? 443 : 80;
        this.key = ConnectionKey.create(server.getScheme(), server.getHost(), port,
                https ? config.tls() : Tls.builder().enabled(false).build(), config.dnsResolver(), config.dnsAddressLookup(), config.proxy());
    }

    /** An open connection: the one used last if it is still fresh, else a new one. */
    Lease take() {
        long now = System.nanoTime();
        for (Idle kept = idle.pollFirst(); kept != null; kept = idle.pollFirst()) {
            if (now - kept.since() < MAX_IDLE.toNanos() && kept.connection().isConnected()) {
                return new Lease(kept.connection(), true);
            }
            kept.connection().closeResource();
        }
        return new Lease(open(), false);
    }

    /** A new connection, for a request that a kept one failed before any answer. */
    Lease fresh() {
        return new Lease(open(), false);
    }

    private TcpClientConnection open() {
        return TcpClientConnection.create(client, key, List.of(), this::keep, closed -> { }).connect();
    }

    /** Called by Helidon when an exchange ended with the connection fit for another: true if kept. */
    private boolean keep(TcpClientConnection connection) {
        if (idle.size() >= MAX_KEPT) {
            return false;
        }
        idle.offerFirst(new Idle(connection, System.nanoTime()));
        return true;
    }
}
