package io.countersign.client;

import io.countersign.client.JsonApi;
import io.countersign.sdk.CountersignException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The client against a server that answers exactly what each test writes on the wire. */
class KeptAliveTransportTest {
    @Test
    void anAnswerOfAnnouncedLengthIsReadWhole() throws Exception {
        String body = "{\"status\":\"allowed\",\"text\":\"" + "x".repeat(40_000) + "\"}";
        try (OneAnswer server = new OneAnswer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)) {
            JsonApi.Answer answer = JsonApi.connect(server.base(), "key").get("v1/actions/x", Duration.ofSeconds(5));
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body().path("text").asString()).hasSize(40_000);
            assertThat(server.request()).startsWith("GET /v1/actions/x HTTP/1.1").contains("Authorization: Bearer key");
        }
    }

    @Test
    void anAnswerCutShortOfItsAnnouncedLengthIsAFailureNotATruncatedBody() throws Exception {
        try (OneAnswer server = new OneAnswer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"status\":\"allowed\"}")) {
            JsonApi client = JsonApi.connect(server.base(), "key");
            assertThatThrownBy(() -> client.get("v1/actions/x", Duration.ofSeconds(5)))
                    .isInstanceOf(CountersignException.class).hasMessageContaining("failed");
        }
    }

    @Test
    void aConnectionIsKeptForTheNextRequests() throws Exception {
        try (Wire server = new Wire((connection, request) -> Wire.Reply.ANSWER)) {
            JsonApi client = JsonApi.connect(server.base(), "key");
            for (int i = 0; i < 3; i++) {
                assertThat(client.get("v1/actions/x", Duration.ofSeconds(5)).status()).isEqualTo(200);
            }
            assertThat(server.requests()).hasSize(3);
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void aKeptConnectionTheServerClosedMeanwhileIsReplacedAndTheRequestSentOnce() throws Exception {
        // The first connection is closed by the server right after its first answer, as a node does at its idle timeout.
        try (Wire server = new Wire((connection, request) -> connection == 1 ? Wire.Reply.ANSWER_AND_CLOSE : Wire.Reply.ANSWER)) {
            JsonApi client = JsonApi.connect(server.base(), "key");
            assertThat(client.get("v1/actions/x", Duration.ofSeconds(5)).status()).isEqualTo(200);
            Thread.sleep(200);
            JsonApi.Answer answer = client.post("v1/actions", Json.object().put("action", "db.export"));
            assertThat(answer.status()).isEqualTo(200);
            assertThat(server.requests()).hasSize(2);
            assertThat(server.requests().get(1)).startsWith("POST /v1/actions HTTP/1.1");
            assertThat(server.connections()).isEqualTo(2);
        }
    }

    @Test
    void aServerGoneWhileItsConnectionWasKeptIsUnreachable() throws Exception {
        JsonApi client;
        try (Wire server = new Wire((connection, request) -> Wire.Reply.ANSWER)) {
            client = JsonApi.connect(server.base(), "key");
            assertThat(client.get("v1/actions/x", Duration.ofSeconds(5)).status()).isEqualTo(200);
        }
        assertThatThrownBy(() -> client.get("v1/actions/x", Duration.ofSeconds(5)))
                .isInstanceOf(CountersignException.class).hasMessageStartingWith("cannot connect to http://127.0.0.1:");
        Thread.sleep(KeptConnections.MAX_IDLE.toMillis() + 100);
        assertThatThrownBy(() -> client.get("v1/actions/x", Duration.ofSeconds(5)))
                .isInstanceOf(CountersignException.class).hasMessageStartingWith("cannot connect to http://127.0.0.1:");
    }

    @Test
    void aRequestThatTimesOutOnAKeptConnectionIsNotSentAgain() throws Exception {
        try (Wire server = new Wire((connection, request) -> request == 1 ? Wire.Reply.ANSWER : Wire.Reply.NEVER)) {
            JsonApi client = JsonApi.connect(server.base(), "key");
            assertThat(client.get("v1/actions/x", Duration.ofSeconds(5)).status()).isEqualTo(200);
            assertThatThrownBy(() -> client.get("v1/actions/y", Duration.ofMillis(500)))
                    .isInstanceOf(CountersignException.class).hasMessageContaining("timed out");
            assertThat(server.requests()).hasSize(2);
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void aConnectionIdleForLongerThanANodeMayKeepItIsNotUsedAgain() throws Exception {
        try (Wire server = new Wire((connection, request) -> Wire.Reply.ANSWER)) {
            JsonApi client = JsonApi.connect(server.base(), "key");
            assertThat(client.get("v1/actions/x", Duration.ofSeconds(5)).status()).isEqualTo(200);
            Thread.sleep(KeptConnections.MAX_IDLE.toMillis() + 100);
            assertThat(client.get("v1/actions/x", Duration.ofSeconds(5)).status()).isEqualTo(200);
            assertThat(server.connections()).isEqualTo(2);
        }
    }

    /**
     * Accepts connections and answers their requests as {@code script} says for the n-th connection and the
     * n-th request in all (both from 1); a request is one head (the tests send small bodies, read by length).
     */
    private static final class Wire implements AutoCloseable {
        enum Reply { ANSWER, ANSWER_AND_CLOSE, NEVER }

        private static final String ANSWER = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"status\":\"allowed\"}";

        private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)content-length: (\\d+)");

        private final ServerSocket socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        private final List<String> requests = new CopyOnWriteArrayList<>();
        private final AtomicInteger connections = new AtomicInteger();
        private final BiFunction<Integer, Integer, Reply> script;
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        Wire(BiFunction<Integer, Integer, Reply> script) throws IOException {
            this.script = script;
            acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Socket client = socket.accept();
                        open.add(client);
                        int number = connections.incrementAndGet();
                        Thread.ofVirtual().start(() -> serve(client, number));
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
        }

        private void serve(Socket client, int connection) {
            try (client; InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
                while (true) {
                    String head = head(in);
                    if (head == null) {
                        return;
                    }
                    Matcher length = CONTENT_LENGTH.matcher(head);
                    in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
                    requests.add(head);
                    switch (script.apply(connection, requests.size())) {
                        case ANSWER -> out.write(ANSWER.getBytes(StandardCharsets.UTF_8));
                        case ANSWER_AND_CLOSE -> {
                            out.write(ANSWER.getBytes(StandardCharsets.UTF_8));
                            return;
                        }
                        case NEVER -> {
                            in.read();
                            return;
                        }
                    }
                }
            } catch (IOException ignored) {
                // the test sees what the client made of it
            }
        }

        private static String head(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.append((char) b);
            }
            return head.toString();
        }

        String base() {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }

        List<String> requests() {
            return requests;
        }

        int connections() {
            return connections.get();
        }

        @Override
        public void close() throws IOException, InterruptedException {
            // Accepting has ended before the connections are closed: none accepted meanwhile is left open.
            socket.close();
            acceptor.join(5_000);
            for (Socket client : open) {
                client.close();
            }
        }
    }

    /** Accepts one connection, reads the request head, writes {@code answer} and closes. */
    private static final class OneAnswer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final AtomicReference<String> request = new AtomicReference<>("");
        private final Thread thread;

        OneAnswer(String answer) throws IOException {
            thread = Thread.ofVirtual().start(() -> {
                try (Socket client = socket.accept(); InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
                    StringBuilder head = new StringBuilder();
                    while (!head.toString().endsWith("\r\n\r\n")) {
                        int b = in.read();
                        if (b < 0) {
                            return;
                        }
                        head.append((char) b);
                    }
                    request.set(head.toString());
                    out.write(answer.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (IOException ignored) {
                    // the test sees what the client made of it
                }
            });
        }

        String base() {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }

        String request() throws InterruptedException {
            thread.join(5_000);
            return request.get();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(5_000);
        }
    }
}
