package io.countersign.sdk;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A Countersign client for agents and services. It blocks while it waits, which is cheap on virtual threads.
 *
 * <pre>{@code
 * Countersign countersign = Countersign.connect("http://127.0.0.1:8080", System.getenv("COUNTERSIGN_TOKEN"));
 * ActionResult result = countersign.submit("""
 *     {"action": "db.export",
 *      "resource": {"type": "postgres.table", "id": "prod/customers", "env": "prod"},
 *      "intent": {"summary": "Export customers for churn model", "ticket": "OPS-42"},
 *      "payload": {"sql": "COPY customers TO STDOUT"}}""");
 * if (result.isPending()) {
 *     result = countersign.await(result.id(), Duration.ofMinutes(15));
 * }
 * if (result.mayRun()) {
 *     export();
 * }
 * }</pre>
 */
public final class Countersign implements AutoCloseable {
    /** One long-poll; below the server's default cap of 60 s. */
    private static final Duration POLL = Duration.ofSeconds(50);
    private static final Duration CALL = Duration.ofSeconds(30);
    /** Answers up to this size are read at their announced length in one piece. */
    private static final long MAX_SIZED_READ = 1 << 20;

    private final Transport transport;
    private final URI server;
    private final String token;

    private Countersign(URI server, String token, Transport transport) {
        this.transport = transport;
        this.server = server;
        this.token = token;
    }

    /** @param token an API key; null or blank for the few routes that need none (the audit log's checkpoint and tiles) */
    public static Countersign connect(String url, String token) {
        return connect(url, token, Transport.jdk());
    }

    /** As {@link #connect(String, String)}, over a transport of the caller's. */
    public static Countersign connect(String url, String token, Transport transport) {
        return new Countersign(URI.create(url.endsWith("/") ? url : url + "/"), token, transport);
    }

    /** The server this client calls, ending in {@code /}. */
    public URI server() {
        return server;
    }

    /**
     * One answer of the API as it came: its status and the bytes of its body (JSON, except the audit log's
     * signed notes, tiles and proofs).
     */
    public record Answer(int status, byte[] body) {
        public boolean ok() {
            return status / 100 == 2;
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** What an error answer says, with the field or rule at fault: {@code missing field (field: intent.summary)}. */
        @SuppressWarnings("unchecked")
        public String errorMessage() {
            Object parsed;
            try {
                parsed = JsonText.parse(text());
            } catch (IllegalArgumentException e) {
                return "HTTP " + status;
            }
            Map<String, Object> error = parsed instanceof Map<?, ?> json && json.get("error") instanceof Map<?, ?> e
                    ? (Map<String, Object>) e : Map.of();
            Object message = error.get("message");
            Object field = error.get("field");
            Object rule = error.get("rule");
            return (message instanceof String m ? m : "HTTP " + status) + (field instanceof String f && !f.isEmpty() ? " (field: " + f + ")" : "")
                    + (rule instanceof String r && !r.isEmpty() ? " (rule: " + r + ")" : "");
        }
    }

    /**
     * Any call of the API, for what the methods above do not name (reviews, policy, reports, the audit log):
     * the answer whatever its status; the caller reads it.
     *
     * @param path     relative to the server, e.g. {@code v1/actions?status=pending}
     * @param jsonBody null for none
     * @throws CountersignException {@code unreachable} when no answer came
     */
    public Answer send(String method, String path, byte[] jsonBody, Duration timeout) {
        return exchange(method, path, jsonBody, timeout, null, (status, length, body) -> new Answer(status, read(length, body)));
    }

    /**
     * POSTs for an answer streamed as JSON lines ({@code application/x-ndjson}), handing each line to
     * {@code lines} as it arrives.
     *
     * @return null when the stream was read to its end; the answer when the server answered with an error instead
     * @throws CountersignException {@code unreachable} when no answer came or the stream was cut
     */
    public Answer stream(String path, byte[] jsonBody, Duration timeout, Consumer<String> lines) {
        return exchange("POST", path, jsonBody, timeout, "application/x-ndjson", (status, length, body) -> {
            if (status != 200) {
                return new Answer(status, read(length, body));
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    lines.accept(line);
                }
            }
            return null;
        });
    }

    private <T> T exchange(String method, String path, byte[] jsonBody, Duration timeout, String accept, Transport.Reader<T> reader) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (token != null && !token.isBlank()) {
            headers.put("Authorization", "Bearer " + token);
        }
        if (jsonBody != null) {
            headers.put("Content-Type", "application/json");
        }
        if (accept != null) {
            headers.put("Accept", accept);
        }
        try {
            return transport.exchange(new Transport.Request(method, server.resolve(path), headers, jsonBody, timeout), reader);
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    /** The body, in one piece when its length is known and modest. */
    private static byte[] read(long length, InputStream body) throws IOException {
        if (length < 0 || length > MAX_SIZED_READ) {
            return body.readAllBytes();
        }
        byte[] bytes = body.readNBytes((int) length);
        if (bytes.length != length) {
            throw new IOException("the answer ended after " + bytes.length + " of " + length + " bytes");
        }
        return bytes;
    }

    private CountersignException unreachable(IOException e) {
        String message;
        if (causedBy(e, ConnectException.class)) {
            message = "cannot connect to " + server;
        } else if (causedBy(e, HttpTimeoutException.class) || causedBy(e, SocketTimeoutException.class)) {
            message = "request to " + server + " timed out";
        } else {
            message = "request to " + server + " failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
        return new CountersignException(0, "unreachable", null, message);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> kind) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (kind.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        transport.close();
    }

    /**
     * Submits an action request (the JSON of the HTTP API). A denied request is a result, not an exception.
     *
     * @throws CountersignException when the request is refused as invalid or the server is unreachable
     */
    public ActionResult submit(String requestJson) {
        return call("POST", "v1/actions", requestJson, CALL);
    }

    public ActionResult get(String id) {
        return call("GET", path(id), null, CALL);
    }

    /** Waits until the request is no longer pending or {@code timeout} passes; returns its state then. */
    public ActionResult await(String id, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            long seconds = Math.max(1, Math.min(POLL.toSeconds(), Duration.between(Instant.now(), deadline).toSeconds()));
            ActionResult result = call("GET", path(id) + "?wait=" + seconds + "s", null, Duration.ofSeconds(seconds + 30));
            if (!result.isPending() || !Instant.now().isBefore(deadline)) {
                return result;
            }
        }
    }

    /**
     * Gate mode in one call: submits the request, waits up to {@code maxWait} while people decide, claims
     * it with its grant (so that of everyone holding this approval, exactly one runs it), runs {@code action},
     * and reports the outcome with the grant so the audit log shows how it went. The action runs at most
     * once: a caller whose claim loses (the action was claimed already, its approval lapsed, or policy no
     * longer lets it run) gets {@link ActionNotAllowedException} with the server's code, and nothing ran.
     *
     * <pre>{@code
     * long rows = countersign.guard(exportRequestJson, Duration.ofMinutes(15), () -> exporter.run());
     * }</pre>
     *
     * @throws ActionNotAllowedException when the request is denied, expires, is cancelled or is still pending
     *                                   after {@code maxWait}, or its claim is refused; {@code action} did not run
     * @throws Exception                 whatever {@code action} threw (the outcome is reported as failed first)
     */
    public <T> T guard(String requestJson, Duration maxWait, java.util.concurrent.Callable<T> action) throws Exception {
        ActionResult result = submit(requestJson);
        if (result.isPending()) {
            result = await(result.id(), maxWait);
        }
        if (!result.mayRun() || result.grant() == null) {
            throw new ActionNotAllowedException(result);
        }
        claimOrRefuse(result);
        T value;
        try {
            value = action.call();
        } catch (Exception | Error e) {
            reportOutcome(result.id(), result.grant(), false, String.valueOf(e.getMessage()));
            throw e;
        }
        reportOutcome(result.id(), result.grant(), true, null);
        return value;
    }

    /** {@link #guard} on a virtual thread. */
    public <T> java.util.concurrent.CompletableFuture<T> guardAsync(String requestJson, Duration maxWait,
                                                                    java.util.concurrent.Callable<T> action) {
        java.util.concurrent.CompletableFuture<T> future = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().name("countersign-guard").start(() -> {
            try {
                future.complete(guard(requestJson, maxWait, action));
            } catch (Throwable e) {
                future.completeExceptionally(e);
            }
        });
        return future;
    }

    /**
     * Proxy mode: submits the request, waits for the decision, and has Countersign run it through the
     * connector that serves the action, with credentials this client never holds. Blocks the calling
     * (virtual) thread. The action runs at most once.
     *
     * <pre>{@code
     * ActionResult ran = countersign.execute(dumpRequestJson, Duration.ofMinutes(15));
     * if (ran.succeeded()) System.out.print(ran.result().get("stdout"));
     * }</pre>
     *
     * @throws ActionNotAllowedException when the request is denied, expires, is cancelled or is still pending
     *                                   after {@code maxWait}; nothing ran
     * @return the executed (or failed) action; {@link ActionResult#result()} holds what the connector returned
     */
    public ActionResult execute(String requestJson, Duration maxWait) {
        ActionResult result = submit(requestJson);
        if (result.isPending()) {
            result = await(result.id(), maxWait);
        }
        if (!result.mayRun() || result.grant() == null) {
            throw new ActionNotAllowedException(result);
        }
        return call("POST", path(result.id()) + "/execute", "{\"grant\":" + JsonText.quote(result.grant()) + "}", Duration.ofHours(1));
    }

    /** {@link #execute} on a virtual thread. */
    public java.util.concurrent.CompletableFuture<ActionResult> executeAsync(String requestJson, Duration maxWait) {
        java.util.concurrent.CompletableFuture<ActionResult> future = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().name("countersign-execute").start(() -> {
            try {
                future.complete(execute(requestJson, maxWait));
            } catch (Throwable e) {
                future.completeExceptionally(e);
            }
        });
        return future;
    }

    /**
     * Claims an allowed or approved action before running it: its grant is used once, on the server, by
     * compare-and-set, and the policy in force now is asked again. Run the action only when this returns;
     * then {@link #reportOutcome} with the same grant.
     *
     * @throws CountersignException refused: {@code grant_used} (someone claimed it already), {@code approval_expired},
     *                              {@code not_runnable}, {@code no_longer_allowed}, {@code invalid_grant}
     */
    public ActionResult claim(String id, String grant) {
        return call("POST", path(id) + "/claim", "{\"grant\":" + JsonText.quote(grant) + "}", CALL);
    }

    /** {@link #claim}, with a refusal turned into the exception {@link #guard} promises. */
    private void claimOrRefuse(ActionResult result) {
        try {
            claim(result.id(), result.grant());
        } catch (ActionNotAllowedException e) {
            throw e;
        } catch (CountersignException e) {
            if (e.status() == 409 || e.status() == 403) {
                throw new ActionNotAllowedException(result, e.code(), e.getMessage());
            }
            throw e;
        }
    }

    /**
     * Reports how running the action went, with the grant it ran under. The first use of a grant wins;
     * a second run of the same action is refused ({@code grant_used}).
     */
    public ActionResult reportOutcome(String id, String grant, boolean succeeded, String detail) {
        return call("POST", path(id) + "/outcome", outcome(grant, succeeded, detail), CALL);
    }

    /** The body of an outcome report; a detail longer than the server keeps (4,096 characters) is cut to 4,000. */
    static String outcome(String grant, boolean succeeded, String detail) {
        StringBuilder body = new StringBuilder("{\"grant\":").append(JsonText.quote(grant))
                .append(",\"status\":\"").append(succeeded ? "succeeded" : "failed").append('"');
        if (detail != null && !detail.isBlank()) {
            body.append(",\"detail\":").append(JsonText.quote(detail.length() > 4000 ? detail.substring(0, 4000) : detail));
        }
        return body.append('}').toString();
    }

    /** The path of an action, for {@link #send}. */
    public static String path(String id) {
        return "v1/actions/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    /** A verifier for grants presented to a resource, with this server's public key (fetched once). */
    public GrantVerifier grantVerifier() {
        return GrantVerifier.fromJwks(send("GET", ".well-known/jwks.json", null, CALL).text());
    }

    @SuppressWarnings("unchecked")
    private ActionResult call(String method, String path, String jsonBody, Duration timeout) {
        Answer response = send(method, path, jsonBody == null ? null : jsonBody.getBytes(StandardCharsets.UTF_8), timeout);
        Object parsed;
        try {
            parsed = JsonText.parse(response.text());
        } catch (IllegalArgumentException e) {
            parsed = null;
        }
        if (!(parsed instanceof Map<?, ?> body)) {
            throw new CountersignException(response.status(), "unexpected_answer", null, "the server did not answer with a JSON object");
        }
        Map<String, Object> json = (Map<String, Object>) body;
        // A denial by policy carries the action (with its status) as well as an error: it is a result.
        if (json.containsKey("status") && json.containsKey("id")) {
            return ActionResult.of(json);
        }
        Map<String, Object> error = json.get("error") instanceof Map<?, ?> e ? (Map<String, Object>) e : Map.of();
        throw new CountersignException(response.status(), String.valueOf(error.getOrDefault("code", "http_" + response.status())),
                (String) error.get("field"), String.valueOf(error.getOrDefault("message", "HTTP " + response.status())));
    }
}
