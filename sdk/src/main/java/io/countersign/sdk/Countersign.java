package io.countersign.sdk;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

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
public final class Countersign {
    /** One long-poll; below the server's default cap of 60 s. */
    private static final Duration POLL = Duration.ofSeconds(50);

    private final HttpClient http;
    private final URI server;
    private final String token;

    private Countersign(URI server, String token) {
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.server = server;
        this.token = token;
    }

    public static Countersign connect(String url, String token) {
        return new Countersign(URI.create(url.endsWith("/") ? url : url + "/"), token);
    }

    /**
     * Submits an action request (the JSON of the HTTP API). A denied request is a result, not an exception.
     *
     * @throws CountersignException when the request is refused as invalid or the server is unreachable
     */
    public ActionResult submit(String requestJson) {
        return call(HttpRequest.newBuilder(server.resolve("v1/actions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(requestJson)), Duration.ofSeconds(30));
    }

    public ActionResult get(String id) {
        return call(HttpRequest.newBuilder(server.resolve(path(id))).GET(), Duration.ofSeconds(30));
    }

    /** Waits until the request is no longer pending or {@code timeout} passes; returns its state then. */
    public ActionResult await(String id, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            long seconds = Math.max(1, Math.min(POLL.toSeconds(), Duration.between(Instant.now(), deadline).toSeconds()));
            ActionResult result = call(HttpRequest.newBuilder(server.resolve(path(id) + "?wait=" + seconds + "s")).GET(),
                    Duration.ofSeconds(seconds + 30));
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
        return call(HttpRequest.newBuilder(server.resolve(path(result.id()) + "/execute"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"grant\":" + JsonText.quote(result.grant()) + "}")), Duration.ofHours(1));
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
        return call(HttpRequest.newBuilder(server.resolve(path(id) + "/claim"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"grant\":" + JsonText.quote(grant) + "}")), Duration.ofSeconds(30));
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
        StringBuilder body = new StringBuilder("{\"grant\":").append(JsonText.quote(grant))
                .append(",\"status\":\"").append(succeeded ? "succeeded" : "failed").append('"');
        if (detail != null && !detail.isBlank()) {
            body.append(",\"detail\":").append(JsonText.quote(detail.length() > 4000 ? detail.substring(0, 4000) : detail));
        }
        return call(HttpRequest.newBuilder(server.resolve(path(id) + "/outcome"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.append('}').toString())), Duration.ofSeconds(30));
    }

    /** A verifier for grants presented to a resource, with this server's public key (fetched once). */
    public GrantVerifier grantVerifier() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(server.resolve(".well-known/jwks.json"))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return GrantVerifier.fromJwks(response.body());
        } catch (IOException e) {
            throw new CountersignException(0, "unreachable", null, "cannot reach Countersign at " + server + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CountersignException(0, "interrupted", null, "interrupted while calling Countersign");
        }
    }

    private static String path(String id) {
        return "v1/actions/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private ActionResult call(HttpRequest.Builder request, Duration timeout) {
        request.header("Authorization", "Bearer " + token).timeout(timeout);
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new CountersignException(0, "unreachable", null, "cannot reach Countersign at " + server + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CountersignException(0, "interrupted", null, "interrupted while calling Countersign");
        }
        Object parsed = JsonText.parse(response.body());
        if (!(parsed instanceof Map<?, ?> body)) {
            throw new CountersignException(response.statusCode(), "unexpected_answer", null, "the server did not answer with a JSON object");
        }
        Map<String, Object> json = (Map<String, Object>) body;
        // A denial by policy carries the action (with its status) as well as an error: it is a result.
        if (json.containsKey("status") && json.containsKey("id")) {
            return ActionResult.of(json);
        }
        Map<String, Object> error = json.get("error") instanceof Map<?, ?> e ? (Map<String, Object>) e : Map.of();
        throw new CountersignException(response.statusCode(), String.valueOf(error.getOrDefault("code", "http_" + response.statusCode())),
                (String) error.get("field"), String.valueOf(error.getOrDefault("message", "HTTP " + response.statusCode())));
    }
}
