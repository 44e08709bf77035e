package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The client against a server that answers exactly what each test writes on the wire. */
class ApiClientTest {
    @Test
    void anAnswerOfAnnouncedLengthIsReadWhole() throws Exception {
        String body = "{\"status\":\"allowed\",\"text\":\"" + "x".repeat(40_000) + "\"}";
        try (OneAnswer server = new OneAnswer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)) {
            ApiClient.Answer answer = new ApiClient(server.base(), "key").get("v1/actions/x", Duration.ofSeconds(5));
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body().path("text").asString()).hasSize(40_000);
            assertThat(server.request()).startsWith("GET /v1/actions/x HTTP/1.1").contains("Authorization: Bearer key");
        }
    }

    @Test
    void anAnswerCutShortOfItsAnnouncedLengthIsAFailureNotATruncatedBody() throws Exception {
        try (OneAnswer server = new OneAnswer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"status\":\"allowed\"}")) {
            ApiClient client = new ApiClient(server.base(), "key");
            assertThatThrownBy(() -> client.get("v1/actions/x", Duration.ofSeconds(5)))
                    .isInstanceOf(ApiClient.Unreachable.class).hasMessageContaining("failed");
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
