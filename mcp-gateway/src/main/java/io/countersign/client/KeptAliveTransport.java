package io.countersign.client;

import io.countersign.sdk.Transport;
import io.helidon.common.buffers.DataReader;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The SDK's transport on the agent side's hot path: Helidon's blocking HTTP/1.1 client, the exchange on the
 * calling thread over a connection kept by {@link KeptConnections}. The JDK's HttpClient hands every exchange
 * to its selector thread and back, which on a busy machine costs most of what the MCP gateway adds to an
 * allowed {@code tools/call} (see {@code bench/}).
 */
public final class KeptAliveTransport implements Transport {
    private final Http1Client http;
    private final KeptConnections connections;

    /** @param server the one server this transport talks to */
    public KeptAliveTransport(URI server) {
        WebClient web = WebClient.builder()
                .connectTimeout(Duration.ofSeconds(5))
                .shareConnectionCache(false)
                .build();
        this.http = web.client(Http1Client.PROTOCOL);
        this.connections = new KeptConnections(web, server);
    }

    /**
     * One exchange on a kept connection. One the server closed while it was idle (it restarted, say) fails
     * before any answer; the request is then sent once more on a fresh connection. A request that timed
     * out is not: the server may be at work on it.
     */
    @Override
    public <T> T exchange(Request request, Reader<T> reader) throws IOException {
        Supplier<Http1ClientRequest> prepared = () -> prepare(request);
        Http1ClientResponse response;
        KeptConnections.Lease lease = failing(connections::take);
        try {
            response = send(prepared.get(), lease, request.body());
        } catch (UncheckedIOException | IllegalStateException | DataReader.InsufficientDataAvailableException e) {
            if (!lease.reused() || causedBy(e, SocketTimeoutException.class)) {
                throw new IOException(e.getMessage(), e);
            }
            response = failing(() -> send(prepared.get(), connections.fresh(), request.body()));
        }
        try (Http1ClientResponse answered = response) {
            boolean hasBody = answered.entity().hasEntity();
            long length = hasBody ? answered.headers().contentLength().orElse(-1) : 0;
            try (InputStream body = hasBody ? answered.entity().inputStream() : InputStream.nullInputStream()) {
                return reader.read(answered.status().code(), length, body);
            }
        } catch (UncheckedIOException | IllegalStateException | DataReader.InsufficientDataAvailableException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private Http1ClientRequest prepare(Request request) {
        Http1ClientRequest prepared = http.method(Method.create(request.method())).uri(request.uri()).readTimeout(request.timeout());
        request.headers().forEach((name, value) -> prepared.header(HeaderNames.create(name), value));
        return prepared;
    }

    private static Http1ClientResponse send(Http1ClientRequest request, KeptConnections.Lease lease, byte[] body) {
        request.connection(lease.connection());
        try {
            return body == null ? request.request() : request.submit(body);
        } catch (RuntimeException e) {
            lease.connection().closeResource();
            throw e;
        }
    }

    /** What the network does to {@code step} (no server, a cut connection) as the IOException a transport throws. */
    private static <T> T failing(Supplier<T> step) throws IOException {
        try {
            return step.get();
        } catch (UncheckedIOException | IllegalStateException | DataReader.InsufficientDataAvailableException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> kind) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (kind.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }
}
