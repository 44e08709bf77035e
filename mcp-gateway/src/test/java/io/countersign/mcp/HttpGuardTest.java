package io.countersign.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Who gets past the Streamable HTTP gateway's guard, on a Jetty of its own, with the Host and Origin
 * headers a client (or a browser on another site) sends: written on a socket, since the JDK's client
 * does not let a caller set Host.
 */
class HttpGuardTest {
    private static final String KEY = "cs_agent_key_for_the_guard";

    private Server jetty;

    @AfterEach
    void stop() throws Exception {
        if (jetty != null) {
            jetty.stop();
        }
    }

    @Test
    void boundToLoopbackItServesOnlyItsOwnNamesAndOnlyWithTheKey() throws Exception {
        int port = start("127.0.0.1");
        assertThat(status(port, "127.0.0.1:" + port, null, KEY)).isEqualTo(200);
        assertThat(status(port, "localhost:" + port, null, KEY)).isEqualTo(200);
        assertThat(status(port, "rebound.example.com:" + port, null, KEY)).as("DNS rebinding").isEqualTo(403);
        assertThat(status(port, "127.0.0.1:" + port, null, null)).isEqualTo(401);
        assertThat(status(port, "127.0.0.1:" + port, null, "another key")).isEqualTo(401);
        assertThat(status(port, "127.0.0.1:" + port, "http://evil.example.com", KEY)).isEqualTo(403);
        assertThat(status(port, "127.0.0.1:" + port, "http://127.0.0.1:" + port, KEY)).isEqualTo(200);
    }

    @Test
    void boundToEveryAddressItServesAnyNameItIsReachedByButStillOnlyWithTheKeyAndNoBrowserFromElsewhere() throws Exception {
        int port = start("0.0.0.0");
        String machine = InetAddress.getLocalHost().getHostName();
        assertThat(status(port, "127.0.0.1:" + port, null, KEY)).isEqualTo(200);
        assertThat(status(port, machine + ":" + port, null, KEY)).as("the machine's own name").isEqualTo(200);
        assertThat(status(port, "gateway.internal.example.com:" + port, null, KEY)).as("a name given it in DNS").isEqualTo(200);
        assertThat(status(port, machine + ":" + port, null, null)).isEqualTo(401);
        assertThat(status(port, machine + ":" + port, null, "another key")).isEqualTo(401);
        assertThat(status(port, machine + ":" + port, "http://evil.example.com", KEY)).isEqualTo(403);
    }

    private int start(String host) throws Exception {
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost(host);
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addFilter(new FilterHolder(new HttpGuard(KEY, host, connector::getLocalPort)), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.setContentType("application/json");
                response.getOutputStream().write(Json.bytes(Json.object().put("served", true)));
            }
        }), "/*");
        jetty.setHandler(context);
        jetty.start();
        return connector.getLocalPort();
    }

    /** The status of a POST to /mcp over 127.0.0.1 with these headers; a refusal must be Countersign's JSON error. */
    private static int status(int port, String host, String origin, String key) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            String request = "POST /mcp HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                    + (origin == null ? "" : "Origin: " + origin + "\r\n") + (key == null ? "" : "Authorization: Bearer " + key + "\r\n")
                    + "Connection: close\r\n\r\n{}";
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            int status = Integer.parseInt(in.readLine().split(" ")[1]);
            String line;
            while ((line = in.readLine()) != null && !line.isEmpty()) {
                // headers
            }
            String body = in.lines().reduce("", String::concat);
            if (status != 200) {
                assertThat(Json.parse(body).path("error").path("message").asString()).isNotBlank().doesNotContain(KEY);
            }
            return status;
        }
    }
}
