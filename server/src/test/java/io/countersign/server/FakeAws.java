package io.countersign.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * A local stand-in for AWS (IAM, STS and SSM on one port): it checks each request's SigV4 signature with the AWS
 * SDK's own signer against the credentials the gateway should use, records what arrived, and answers as AWS does.
 */
final class FakeAws implements AutoCloseable {
    static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
    static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    /** What the fake STS hands out for AssumeRole. */
    static final String ROLE_ACCESS_KEY = "ASIAROLEEXAMPLE00001";
    static final String ROLE_SECRET_KEY = "roleSecretExampleKeyForTheAssumedRole000";
    static final String ROLE_TOKEN = "FwoGZXIvYXdzEXAMPLE-session-token";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** One request as AWS received it. */
    record Received(String service, String operation, Map<String, String> form, String json, String accessKeyId, boolean signatureValid) {
    }

    private final HttpServer server;
    final List<Received> received = new CopyOnWriteArrayList<>();

    FakeAws() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Received> of(String operation) {
        return received.stream().filter(r -> r.operation().equals(operation)).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String credential = authorization == null ? "" : authorization.replaceAll(".*Credential=([^/]+)/[^/]+/[^/]+/([^/]+)/.*", "$1 $2");
        String accessKeyId = credential.split(" ")[0];
        String service = credential.contains(" ") ? credential.split(" ")[1] : "";
        boolean valid = authorization != null && authorization.equals(sdkAuthorization(exchange, body, service, accessKeyId));
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        Map<String, String> form = new LinkedHashMap<>();
        String operation;
        if (target != null) {
            operation = target.substring(target.indexOf('.') + 1);
        } else {
            for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            operation = form.getOrDefault("Action", "");
        }
        received.add(new Received(service, operation, form, target == null ? null : new String(body, StandardCharsets.UTF_8), accessKeyId, valid));
        if (!valid) {
            answer(exchange, 403, "text/xml", "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code>"
                    + "<Message>fake AWS: the signature does not match</Message></Error><RequestId>fake-bad</RequestId></ErrorResponse>");
            return;
        }
        switch (operation) {
            case "AttachRolePolicy" -> answer(exchange, 200, "text/xml", "<AttachRolePolicyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
                    + "<ResponseMetadata><RequestId>fake-attach-1</RequestId></ResponseMetadata></AttachRolePolicyResponse>");
            case "GetRole" -> answer(exchange, 200, "text/xml", "<GetRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetRoleResult><Role>"
                    + "<Path>/</Path><RoleName>" + form.get("RoleName") + "</RoleName><RoleId>AROAFAKE0000000000001</RoleId>"
                    + "<Arn>arn:aws:iam::123456789012:role/" + form.get("RoleName") + "</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate>"
                    + "<Description>as the fake AWS keeps it</Description></Role></GetRoleResult>"
                    + "<ResponseMetadata><RequestId>fake-getrole-1</RequestId></ResponseMetadata></GetRoleResponse>");
            case "AssumeRole" -> answer(exchange, 200, "text/xml", "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
                    + "<Credentials><AccessKeyId>" + ROLE_ACCESS_KEY + "</AccessKeyId><SecretAccessKey>" + ROLE_SECRET_KEY + "</SecretAccessKey>"
                    + "<SessionToken>" + ROLE_TOKEN + "</SessionToken><Expiration>" + Instant.now().plusSeconds(3600) + "</Expiration></Credentials>"
                    + "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/countersign/countersign</Arn>"
                    + "<AssumedRoleId>AROAFAKE:countersign</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>"
                    + "<ResponseMetadata><RequestId>fake-assume-1</RequestId></ResponseMetadata></AssumeRoleResponse>");
            case "GetParameter" -> answer(exchange, 200, "application/x-amz-json-1.1",
                    "{\"Parameter\":{\"Name\":\"/staging/db/host\",\"Type\":\"String\",\"Value\":\"db.staging.internal\",\"Version\":3}}");
            case "PutParameter" -> answer(exchange, 200, "application/x-amz-json-1.1", "{\"Version\":4,\"Tier\":\"Standard\"}");
            default -> answer(exchange, 400, "text/xml", "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code>"
                    + "<Message>fake AWS does not know " + operation + "</Message></Error><RequestId>fake-unknown</RequestId></ErrorResponse>");
        }
    }

    /**
     * The Authorization header the AWS SDK's signer makes for the same request, at the same time, with the
     * credentials the gateway is meant to use (the configured pair, or the role's once it assumed it).
     */
    private static String sdkAuthorization(HttpExchange exchange, byte[] body, String service, String accessKeyId) {
        String amzDate = exchange.getRequestHeaders().getFirst("X-Amz-Date");
        if (amzDate == null) {
            return null;
        }
        String token = exchange.getRequestHeaders().getFirst("X-Amz-Security-Token");
        AwsCredentialsIdentity identity = ROLE_ACCESS_KEY.equals(accessKeyId)
                ? AwsSessionCredentialsIdentity.create(ROLE_ACCESS_KEY, ROLE_SECRET_KEY, token == null ? "" : token)
                : AwsCredentialsIdentity.create(ACCESS_KEY, SECRET_KEY);
        URI uri = URI.create("http://" + exchange.getRequestHeaders().getFirst("Host") + exchange.getRequestURI());
        SdkHttpFullRequest.Builder request = SdkHttpFullRequest.builder().method(SdkHttpMethod.fromValue(exchange.getRequestMethod())).uri(uri);
        for (String name : List.of("Content-Type", "X-Amz-Target")) {
            String value = exchange.getRequestHeaders().getFirst(name);
            if (value != null) {
                request.putHeader(name, value);
            }
        }
        Instant at = Instant.from(AMZ_DATE.parse(amzDate));
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(identity).request(request.build())
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));
        return signed.request().firstMatchingHeader("Authorization").orElse(null);
    }

    private static void answer(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("x-amzn-RequestId", "fake-" + status);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
