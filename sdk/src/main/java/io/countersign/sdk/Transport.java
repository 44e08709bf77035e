package io.countersign.sdk;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * How the client's HTTP exchanges travel. {@link Countersign} says what to send and reads what comes back;
 * a transport only carries it. The default is the JDK's {@code HttpClient} ({@link #jdk()}); a caller on a
 * hot path (the MCP gateway) may bring one that keeps connections on the calling thread.
 */
public interface Transport extends AutoCloseable {

    /**
     * One request.
     *
     * @param headers besides {@code Content-Length}, which the transport sets
     * @param body    null for none
     */
    record Request(String method, URI uri, Map<String, String> headers, byte[] body, Duration timeout) {
    }

    /** Reads an answer while the exchange is open. */
    @FunctionalInterface
    interface Reader<T> {
        /** @param length the body's announced length, or -1 when it is not announced */
        T read(int status, long length, InputStream body) throws IOException;
    }

    /**
     * Sends {@code request} and hands the answer to {@code reader}.
     *
     * @throws IOException when no answer came: no connection, a timeout, a connection cut
     */
    <T> T exchange(Request request, Reader<T> reader) throws IOException;

    @Override
    default void close() {
    }

    /** The JDK's {@code HttpClient}: no dependency, one selector thread hands each exchange back to the caller. */
    static Transport jdk() {
        return new JdkTransport();
    }
}
