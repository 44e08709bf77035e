package io.countersign.server;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.countersign.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Microsoft's side of a Teams bot, on loopback: the Bot Framework's OpenID metadata and signing keys
 * (a test RSA key endorsed for {@code msteams}, and one endorsed only for another channel), Entra's
 * token endpoint (client credentials), the Bot Connector's conversation API, and a Workflows webhook.
 * It records every call, and signs activities as the Bot Connector does, so tests can click cards.
 */
final class FakeTeams implements AutoCloseable {
    static final String APP_ID = "5c0ffee0-bot0-4000-8000-00000000b07";
    static final String TENANT = "7e4a1d00-0000-4000-8000-0000000000aa";
    static final String CLIENT_SECRET = "teams-client-secret-Q8v~test";
    static final String ACCESS_TOKEN = "eyJ0eXAi.bot-connector-token.sig";
    static final String CONVERSATION = "19:ops-approvals@thread.tacv2";
    static final String ALICE = "0a11ce00-0000-4000-8000-000000000001";
    static final String BOB = "0b0b0000-0000-4000-8000-000000000002";
    static final String CAROL = "0ca20100-0000-4000-8000-000000000003";

    /** One call as received. */
    record Call(String method, String path, String authorization, String body) {
        JsonNode json() {
            return Json.parse(body);
        }

        /** The Adaptive Card an activity carries. */
        JsonNode card() {
            return json().path("attachments").path(0).path("content");
        }

        Map<String, String> form() {
            Map<String, String> form = new LinkedHashMap<>();
            for (String pair : body.split("&")) {
                int eq = pair.indexOf('=');
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
            return form;
        }
    }

    private final HttpServer server;
    final RSAKey key;
    final RSAKey otherChannelKey;
    final RSAKey strangerKey;
    final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger activities = new AtomicInteger();
    /** While set, the OpenID metadata cannot be read. */
    volatile boolean keysDown;

    FakeTeams() throws IOException, JOSEException {
        key = new RSAKeyGenerator(2048).keyID("bf-key-1").generate();
        otherChannelKey = new RSAKeyGenerator(2048).keyID("bf-key-skype").generate();
        strangerKey = new RSAKeyGenerator(2048).keyID("stranger").generate();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    String serviceUrl() {
        return base() + "connector/";
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        String method = exchange.getRequestMethod();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        calls.add(new Call(method, path, authorization, body));
        ObjectNode answer = Json.object();
        int status = 200;
        if (path.equals("/botframework/.well-known/openidconfiguration")) {
            if (keysDown) {
                status = 503;
            } else {
                answer.put("issuer", "https://api.botframework.com");
                answer.put("jwks_uri", base() + "botframework/keys");
                answer.putArray("id_token_signing_alg_values_supported").add("RS256");
            }
        } else if (path.equals("/botframework/keys")) {
            ArrayNode keys = answer.putArray("keys");
            keys.add(publicKey(key, "msteams", "webchat"));
            keys.add(publicKey(otherChannelKey, "skype"));
        } else if (path.equals("/" + TENANT + "/oauth2/v2.0/token") && method.equals("POST")) {
            answer.put("token_type", "Bearer");
            answer.put("expires_in", 3599);
            answer.put("access_token", ACCESS_TOKEN);
        } else if (path.startsWith("/connector/v3/conversations/")) {
            if (!("Bearer " + ACCESS_TOKEN).equals(authorization)) {
                status = 401;
                answer.put("message", "Authorization has been denied for this request.");
            } else if (method.equals("POST")) {
                status = 201;
                answer.put("id", "1767" + String.format("%09d", activities.incrementAndGet()));
            } else {
                answer.put("id", path.substring(path.lastIndexOf('/') + 1));
            }
        } else if (path.startsWith("/workflows/")) {
            status = 202;
        } else {
            status = 404;
        }
        byte[] bytes = Json.bytes(answer);
        exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, status == 202 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (status != 202) {
                out.write(bytes);
            }
        }
    }

    private static JsonNode publicKey(RSAKey key, String... endorsements) {
        ObjectNode jwk = (ObjectNode) Json.parse(key.toPublicJWK().toJSONString());
        jwk.put("use", "sig");
        ArrayNode list = jwk.putArray("endorsements");
        for (String endorsement : endorsements) {
            list.add(endorsement);
        }
        return jwk;
    }

    /**
     * Writes an example config in {@code config} whose {@code teams} section points at this fake: the
     * bot, the conversation {@code ops}, and the workflow {@code ops-alerts}; secrets in owner-only files.
     */
    void configure(Path config) throws IOException {
        ConfigDirectory.ensureExample(config);
        Path secrets = Files.createDirectories(config.resolve("secrets"));
        secret(secrets.resolve("teams-client-secret"), CLIENT_SECRET);
        secret(secrets.resolve("teams-workflow-url"), base() + "workflows/ops?api-version=1&sig=s3cr3t-workflow-sig");
        Files.writeString(config.resolve("countersign.yaml"), """

                teams:
                  app_id: %s
                  client_secret: ${file:secrets/teams-client-secret}
                  tenant_id: %s
                  service_url: %s
                  service_url_hosts: [127.0.0.1]
                  openid_metadata: %sbotframework/.well-known/openidconfiguration
                  token_url: %s%s/oauth2/v2.0/token
                  conversations: {ops: "%s"}
                  workflows: {ops-alerts: "${file:secrets/teams-workflow-url}"}
                  console_url: https://countersign.example.com/
                """.formatted(APP_ID, TENANT, serviceUrl(), base(), base(), TENANT, CONVERSATION), StandardOpenOption.APPEND);
    }

    private static void secret(Path file, String value) throws IOException {
        Files.writeString(file, value);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    /** A card click as the Bot Connector sends it: an {@code adaptiveCard/action} invoke from a user. */
    ObjectNode invoke(String aadObjectId, String verb, String requestId, String justification) {
        ObjectNode activity = Json.object();
        activity.put("type", "invoke");
        activity.put("name", "adaptiveCard/action");
        activity.put("id", "f:" + UUID.randomUUID());
        activity.put("channelId", "msteams");
        activity.put("serviceUrl", serviceUrl());
        activity.put("timestamp", Instant.now().toString());
        ObjectNode from = activity.putObject("from");
        from.put("id", "29:1mri-" + aadObjectId);
        from.put("name", "Someone");
        from.put("aadObjectId", aadObjectId);
        activity.putObject("recipient").put("id", "28:" + APP_ID);
        ObjectNode conversation = activity.putObject("conversation");
        conversation.put("id", CONVERSATION);
        conversation.put("conversationType", "channel");
        conversation.put("tenantId", TENANT);
        activity.putObject("channelData").putObject("tenant").put("id", TENANT);
        activity.put("replyToId", "1767000000001");
        ObjectNode action = activity.putObject("value").putObject("action");
        action.put("type", "Action.Execute");
        action.put("verb", verb);
        ObjectNode data = action.putObject("data");
        data.put("requestId", requestId);
        if (justification != null) {
            data.put("justification", justification);
        }
        ((ObjectNode) activity.get("value")).put("trigger", "manual");
        return activity;
    }

    /** The Bot Connector's token for an activity: RS256 with the endorsed key, for this bot, naming its serviceUrl. */
    String token(JsonNode activity) {
        return token(key, claims(activity).build());
    }

    JWTClaimsSet.Builder claims(JsonNode activity) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer("https://api.botframework.com")
                .audience(APP_ID)
                .issueTime(Date.from(now.minusSeconds(60)))
                .notBeforeTime(Date.from(now.minusSeconds(60)))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(55))))
                .claim("serviceUrl", activity.path("serviceUrl").asString());
    }

    static String token(RSAKey with, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(with.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new RSASSASigner(with));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A token signed with HMAC (a shared secret anyone could hold) instead of Microsoft's RSA key. */
    static String hmacToken(JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("bf-key-1").build(), claims);
            jwt.sign(new MACSigner("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    List<Call> calls(String method, String pathPrefix) {
        return calls.stream().filter(c -> c.method().equals(method) && c.path().startsWith(pathPrefix)).toList();
    }

    /** Waits until a call matching {@code condition} has arrived, and returns the last such call. */
    Call await(String method, String pathPrefix, Predicate<Call> condition) {
        return Recorded.last(() -> calls(method, pathPrefix).stream().filter(condition).toList(), () -> "no " + method + " " + pathPrefix
                + " call matching the condition arrived; calls: " + calls.stream().map(c -> c.method() + " " + c.path()).toList());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
