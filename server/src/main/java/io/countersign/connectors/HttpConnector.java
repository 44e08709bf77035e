package io.countersign.connectors;

import io.countersign.json.Json;
import io.countersign.json.JsonFields;
import io.countersign.lifecycle.Execution;
import io.countersign.model.InvalidInputException;
import io.countersign.policy.DurationText;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Forwards the approved call to one upstream API, adding credentials the agent never sees. The upstream
 * is fixed by configuration; the payload names only a method, a path under the base URL, headers and a
 * body, all covered by the digest. Redirects are not followed (they could lead off the upstream).
 *
 * <p>Payload: {@code {"method": "POST", "path": "/users/42/roles", "headers": {...}, "body": ...}}; a JSON
 * body is sent as JSON, a string as it is.
 *
 * @param headers injected on every call, overriding the payload's; values may hold secrets
 */
public record HttpConnector(String name, ActionPatterns actions, URI baseUrl, Map<String, String> headers, Set<String> methods,
                            Duration timeout, long maxResponseBytes, Redactor redactor) implements Connector {
    static final Set<String> ALL_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");
    /** Hop-by-hop and routing headers: the agent cannot set these, the HTTP client or the connector does. */
    private static final Set<String> RESERVED = Set.of("host", "connection", "content-length", "transfer-encoding", "expect",
            "upgrade", "te", "trailer", "keep-alive", "proxy-authorization", "proxy-connection", "http2-settings");
    private static final List<String> RETURNED_HEADERS = List.of("content-type", "location", "etag", "retry-after");
    private static final HttpClient CLIENT = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("countersign-http-connector-deadline").daemon(true).factory());

    public HttpConnector {
        headers = Map.copyOf(headers);
        methods = Set.copyOf(methods);
    }

    @Override
    public String type() {
        return "http";
    }

    private record Call(String method, URI uri, Map<String, String> headers, JsonNode body) {
    }

    @Override
    public void check(JsonNode payload) {
        call(payload);
    }

    private Call call(JsonNode payload) {
        JsonFields fields = JsonFields.of(payload, "payload").onlyAllow(Set.of("method", "path", "headers", "body"));
        String method = fields.requiredString("method", 16).toUpperCase(Locale.ROOT);
        if (!methods.contains(method)) {
            throw new InvalidInputException("payload.method", "the connector '" + name + "' does not send " + method
                    + "; it sends: " + String.join(", ", methods.stream().sorted().toList()));
        }
        String path = fields.requiredString("path", 8192);
        URI uri = resolve(path);
        Map<String, String> given = fields.optionalStringMap("headers", 64, 8192);
        Map<String, String> sent = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> header : given.entrySet()) {
            String field = "payload.headers." + header.getKey();
            String lower = header.getKey().toLowerCase(Locale.ROOT);
            if (!header.getKey().matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                throw new InvalidInputException(field, "'" + header.getKey() + "' is not a valid header name");
            }
            if (RESERVED.contains(lower) || lower.startsWith("proxy-") || headers.keySet().stream().anyMatch(h -> h.equalsIgnoreCase(lower))) {
                throw new InvalidInputException(field, "the header '" + header.getKey() + "' is set by the connector, not by the request");
            }
            if (header.getValue().chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                throw new InvalidInputException(field, "'" + field + "' contains a line break");
            }
            sent.put(header.getKey(), header.getValue());
        }
        JsonNode body = fields.get("body");
        if (body != null && (method.equals("GET") || method.equals("HEAD"))) {
            throw new InvalidInputException("payload.body", "a " + method + " request has no body");
        }
        return new Call(method, uri, sent, body);
    }

    /**
     * The path joined to the base URL. It may not leave the base: no scheme or host of its own, no dot
     * segments (encoded or not), no backslashes, no fragment.
     */
    private URI resolve(String path) {
        String field = "payload.path";
        if (!path.startsWith("/") || path.startsWith("//")) {
            throw new InvalidInputException(field, "'payload.path' must start with a single '/': it is a path under " + baseUrl);
        }
        if (path.chars().anyMatch(c -> c <= ' ' || c == '\\' || c == '#' || c == 0x7f)) {
            throw new InvalidInputException(field, "'payload.path' may not contain spaces, control characters, '\\' or '#'");
        }
        int query = path.indexOf('?');
        String pathPart = query < 0 ? path : path.substring(0, query);
        String decoded;
        try {
            decoded = URLDecoder.decode(pathPart.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, "'payload.path' has a malformed %-escape");
        }
        for (String segment : decoded.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..") || segment.contains("\\")) {
                throw new InvalidInputException(field, "'payload.path' may not contain '.' or '..' segments");
            }
        }
        if (decoded.contains("//")) {
            throw new InvalidInputException(field, "'payload.path' may not contain empty segments ('//')");
        }
        String base = baseUrl.toString();
        try {
            return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, "'payload.path' is not a valid URL path");
        }
    }

    @Override
    public ConnectorResult run(JsonNode payload, OutputSink output) {
        Call call = call(payload);
        HttpRequest.Builder request = HttpRequest.newBuilder(call.uri()).timeout(timeout);
        call.headers().forEach(request::header);
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();
        if (call.body() != null) {
            if (call.body().isString()) {
                body = HttpRequest.BodyPublishers.ofString(call.body().stringValue());
            } else {
                body = HttpRequest.BodyPublishers.ofByteArray(Json.bytes(call.body()));
                if (call.headers().keySet().stream().noneMatch(h -> h.equalsIgnoreCase("content-type"))) {
                    request.header("Content-Type", "application/json");
                }
            }
        }
        headers.forEach(request::setHeader);
        request.method(call.method(), body);

        ObjectNode result = Json.object();
        result.put("connector", name);
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        CompletableFuture<HttpResponse<InputStream>> sent = CLIENT.sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<InputStream> response;
        try {
            response = sent.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            sent.cancel(true);
            return ConnectorResult.failed(result, "the upstream did not answer within " + DurationText.format(timeout), started, true);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            boolean timedOut = cause instanceof java.net.http.HttpTimeoutException;
            String message = timedOut ? "the upstream did not answer within " + DurationText.format(timeout)
                    : "the upstream could not be reached: " + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
            return ConnectorResult.failed(result, message, started, timedOut);
        } catch (InterruptedException e) {
            sent.cancel(true);
            Thread.currentThread().interrupt();
            return ConnectorResult.failed(result, "interrupted while waiting for the upstream", started, false);
        }
        byte[] received;
        boolean truncated;
        boolean timedOut;
        InputStream stream = response.body();
        // The body may stall after the headers came: closing the stream at the deadline ends the read.
        var closer = DEADLINES.schedule(() -> closeQuietly(stream), Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        try (stream) {
            received = stream.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxResponseBytes + 1));
            truncated = received.length > maxResponseBytes;
            timedOut = false;
        } catch (IOException e) {
            received = new byte[0];
            truncated = false;
            timedOut = System.nanoTime() >= deadline;
            if (!timedOut) {
                return ConnectorResult.failed(result, "the upstream's answer broke off: " + e.getMessage(), started, false);
            }
        } finally {
            closer.cancel(false);
        }
        if (timedOut) {
            return ConnectorResult.failed(result, "the upstream did not finish its answer within " + DurationText.format(timeout), started, true);
        }
        if (truncated) {
            received = java.util.Arrays.copyOf(received, (int) maxResponseBytes);
        }
        int status = response.statusCode();
        result.put("status", status);
        ObjectNode returned = result.putObject("headers");
        for (String header : RETURNED_HEADERS) {
            response.headers().firstValue(header).ifPresent(value -> returned.put(header, redactor.redact(value)));
        }
        String contentType = response.headers().firstValue("content-type").orElse("");
        JsonNode parsed = null;
        if (!truncated && contentType.toLowerCase(Locale.ROOT).contains("json") && received.length > 0) {
            try {
                parsed = Json.parse(new String(received, StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                // Not JSON after all: returned as text below.
            }
        }
        if (parsed != null) {
            result.set("body", redactor.redact(parsed));
        } else if (received.length > 0) {
            result.put("body", redactor.redact(new String(received, StandardCharsets.UTF_8)));
        }
        result.put("truncated", truncated);
        result.put("duration_ms", (System.nanoTime() - started) / 1_000_000);
        boolean ok = status >= 200 && status < 300;
        String summary = call.method() + " " + call.uri().getRawPath() + " → HTTP " + status + ", " + received.length + " bytes"
                + (truncated ? " (truncated)" : "");
        return new ConnectorResult(ok ? Execution.Outcome.SUCCEEDED : Execution.Outcome.FAILED, summary, result);
    }

    private static void closeQuietly(InputStream stream) {
        try {
            stream.close();
        } catch (IOException e) {
            // Closing is all that was wanted.
        }
    }
}
