package io.countersign.server;

import io.countersign.json.Json;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local stand-in for Slack's Socket Mode endpoint: greets each connection with {@code hello}, sends
 * envelopes as Slack does ({@code {"envelope_id", "type": "interactive", "payload"}}), and records
 * every message the client sends back (the acks).
 */
final class FakeSlackSocket extends WebSocketServer implements AutoCloseable {
    private final CountDownLatch started = new CountDownLatch(1);
    private final AtomicInteger envelopes = new AtomicInteger();
    final List<JsonNode> received = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    private volatile WebSocket current;

    FakeSlackSocket() throws InterruptedException {
        super(new InetSocketAddress("127.0.0.1", 0));
        setReuseAddr(true);
        start();
        if (!started.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the fake Socket Mode server did not start");
        }
    }

    String url() {
        return "ws://127.0.0.1:" + getPort() + "/link/?ticket=fake-" + connections.get();
    }

    @Override
    public void onStart() {
        started.countDown();
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
        connections.incrementAndGet();
        current = conn;
        conn.send("""
                {"type":"hello","num_connections":1,"debug_info":{"host":"fake"},"connection_info":{"app_id":"A111"}}""");
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        received.add(Json.parse(message));
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
    }

    /** Waits until {@code count} clients in all have connected. */
    void awaitConnections(int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (connections.get() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " Socket Mode connection(s), got " + connections.get());
            }
            pause();
        }
    }

    /** Sends an interaction down the newest socket; returns its envelope id. */
    String sendInteractive(ObjectNode payload) {
        return sendInteractive(payload, "env-" + envelopes.incrementAndGet(), 0);
    }

    String sendInteractive(ObjectNode payload, String envelopeId, int retryAttempt) {
        ObjectNode envelope = Json.object();
        envelope.put("envelope_id", envelopeId);
        envelope.put("type", "interactive");
        envelope.put("accepts_response_payload", payload.path("type").asString().equals("view_submission"));
        envelope.set("payload", payload);
        envelope.put("retry_attempt", retryAttempt);
        envelope.put("retry_reason", retryAttempt == 0 ? "" : "timeout");
        current.send(Json.text(envelope));
        return envelopeId;
    }

    /** Tells the client to move to a fresh URL, as Slack does every few hours. */
    void sendDisconnect() {
        current.send("""
                {"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"fake"}}""");
    }

    /** Waits for the client's ack of {@code envelopeId} and returns it. */
    JsonNode awaitAck(String envelopeId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode message : received) {
                if (envelopeId.equals(message.path("envelope_id").asString())) {
                    return message;
                }
            }
            pause();
        }
        throw new AssertionError("no ack for " + envelopeId + "; received " + received);
    }

    long acks(String envelopeId) {
        return received.stream().filter(m -> envelopeId.equals(m.path("envelope_id").asString())).count();
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        try {
            stop(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
