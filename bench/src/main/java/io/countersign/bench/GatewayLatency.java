package io.countersign.bench;

import com.sun.net.httpserver.HttpServer;
import io.countersign.aws.AwsKeys;
import io.countersign.aws.SigV4;
import io.countersign.identity.ApiKeys;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What Countersign adds to a call in the AWS and Kubernetes change paths, one call at a time, interleaved:
 * an allowed AWS call (IAM GetRole) through {@code /aws/} against the same call sent straight to the fake
 * AWS it is forwarded to; and an admitted Kubernetes change (a staging Deployment update) against the same
 * AdmissionReview answered by a webhook that admits everything at once (the floor for any webhook).
 * Usage: GatewayLatency WORK COUNTERSIGN CALLS WARMUP
 */
public final class GatewayLatency {
    private static final int PORT = 18476;

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        String countersign = args[1];
        int calls = Integer.parseInt(args[2]);
        int warmup = Integer.parseInt(args[3]);
        HttpServer fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] role = ("<GetRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetRoleResult><Role><Path>/</Path>"
                + "<RoleName>deployer</RoleName><RoleId>AROABENCH</RoleId><Arn>arn:aws:iam::123456789012:role/deployer</Arn>"
                + "<CreateDate>2026-01-01T00:00:00Z</CreateDate></Role></GetRoleResult></GetRoleResponse>").getBytes(StandardCharsets.UTF_8);
        fake.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = exchange.getRequestURI().getPath().startsWith("/admit") ? admitted(exchange.getRequestHeaders().getFirst("X-Uid")) : role;
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        fake.start();
        String fakeUrl = "http://127.0.0.1:" + fake.getAddress().getPort();

        Path config = work.resolve("config");
        BenchConfig.unlimited(config);
        Path secret = config.resolve("secrets/aws-secret");
        Files.createDirectories(secret.getParent());
        Files.writeString(secret, "benchSecretKeyForTheFakeAwsUpstream00000");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path settings = config.resolve("countersign.yaml");
        if (!Files.readString(settings).contains("\naws:")) {
            Files.writeString(settings, Files.readString(settings) + """
                    aws:
                      services:
                        iam: {endpoint: "%s", region: us-east-1}
                      credentials: {access_key_id: AKIABENCH, secret_access_key: "${file:secrets/aws-secret}"}
                    kubernetes:
                      caller: kube-apiserver
                    """.formatted(fakeUrl));
        }
        AwsKeys.Pair pair = AwsKeys.loadOrCreate(AwsKeys.file(config)).newPair();
        String apiServerKey = ApiKeys.generate();
        Path identities = config.resolve("identities.yaml");
        Files.writeString(identities, Files.readString(identities).replace("    owner: carol\n", "    owner: carol\n    aws_access_keys: ["
                + pair.accessKeyId() + "]\n    accounts: {kubernetes: \"system:serviceaccount:staging:bot\"}\n") + """
                  - id: kube-apiserver
                    kind: service
                    api_keys: [%s]
                """.formatted(ApiKeys.hash(apiServerKey)));

        HttpClient http = HttpClient.newHttpClient();
        try (BenchNode node = BenchNode.start(countersign, work, PORT, http)) {
            long[] direct = new long[calls];
            long[] gateway = new long[calls];
            long[] noop = new long[calls];
            long[] admission = new long[calls];
            for (int i = -warmup; i < calls; i++) {
                long a = time(http, aws(URI.create(fakeUrl + "/"), pair, i));
                long b = time(http, aws(node.base.resolve("/aws/"), pair, i));
                long c = time(http, review(URI.create(fakeUrl + "/admit"), apiServerKey, i));
                long d = time(http, review(node.base.resolve("/v1/integrations/kubernetes/admission"), apiServerKey, i));
                if (i >= 0) {
                    direct[i] = a;
                    gateway[i] = b;
                    noop[i] = c;
                    admission[i] = d;
                }
            }
            Percentiles awsDirect = Percentiles.of(direct);
            Percentiles awsGateway = Percentiles.of(gateway);
            Percentiles webhookFloor = Percentiles.of(noop);
            Percentiles webhook = Percentiles.of(admission);
            System.out.println("AWS IAM GetRole straight to the fake AWS: " + awsDirect.describe());
            System.out.println("the same through /aws/ (decided, claimed, re-signed, forwarded): " + awsGateway.describe());
            System.out.println("AdmissionReview to a webhook that admits at once: " + webhookFloor.describe());
            System.out.println("the same to Countersign (decided, claimed, recorded): " + webhook.describe());
            BenchResult result = BenchResult.of("gateways", "allowed AWS call and admitted Kubernetes change, " + calls + " each, interleaved")
                    .metric("calls", calls)
                    .metric("aws_added_p50_ms", awsGateway.ms(0.5) - awsDirect.ms(0.5))
                    .metric("aws_added_p99_ms", awsGateway.ms(0.99) - awsDirect.ms(0.99))
                    .metric("k8s_added_p50_ms", webhook.ms(0.5) - webhookFloor.ms(0.5))
                    .metric("k8s_added_p99_ms", webhook.ms(0.99) - webhookFloor.ms(0.99));
            awsDirect.addTo(result, "aws_direct_");
            awsGateway.addTo(result, "aws_gateway_");
            webhookFloor.addTo(result, "k8s_floor_");
            webhook.addTo(result, "k8s_webhook_");
            result.print();
        } finally {
            fake.stop(0);
        }
    }

    private static byte[] admitted(String uid) {
        return ("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\"" + uid + "\",\"allowed\":true}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A GetRole signed as the SDKs sign it; each call distinct (its own time and role), so none is a replay. */
    private static HttpRequest aws(URI uri, AwsKeys.Pair pair, int n) {
        byte[] body = ("Action=GetRole&Version=2010-05-08&RoleName=deployer&Marker=" + n + "-" + uri.getPort()).getBytes(StandardCharsets.UTF_8);
        Instant now = Instant.now();
        String amzDate = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC).format(now);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("content-type", List.of("application/x-www-form-urlencoded; charset=utf-8"));
        headers.put("host", List.of(uri.getHost() + ":" + uri.getPort()));
        headers.put("x-amz-date", List.of(amzDate));
        List<String> signed = List.of("content-type", "host", "x-amz-date");
        SigV4.Scope scope = SigV4.Scope.of(now, "us-east-1", "iam");
        String signature = SigV4.signature(pair.secretAccessKey(), scope, amzDate,
                new SigV4.Request("POST", uri.getRawPath(), null, headers, SigV4.sha256Hex(body)), signed);
        return HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8").header("X-Amz-Date", amzDate)
                .header("Authorization", SigV4.authorization(pair.accessKeyId(), scope, signed, signature)).build();
    }

    /** A staging Deployment's replicas changed by the mapped bot: allowed by the example policy, so admitted. */
    private static HttpRequest review(URI uri, String key, int n) {
        String uid = "bench-" + n;
        String deployment = """
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","namespace":"staging"},
                 "spec":{"replicas":%d,"template":{"spec":{"containers":[{"name":"api","image":"registry.example.com/api:1.4.2"}]}}}}""";
        String body = """
                {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"%s",
                 "kind":{"group":"apps","version":"v1","kind":"Deployment"},"resource":{"group":"apps","version":"v1","resource":"deployments"},
                 "name":"api","namespace":"staging","operation":"UPDATE","userInfo":{"username":"system:serviceaccount:staging:bot"},
                 "object":%s,"oldObject":%s,"dryRun":false}}""".formatted(uid, deployment.formatted(n + 2), deployment.formatted(n + 1));
        return HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key).header("X-Uid", uid).build();
    }

    private static long time(HttpClient http, HttpRequest request) throws Exception {
        long started = System.nanoTime();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        long took = System.nanoTime() - started;
        String body = new String(response.body(), StandardCharsets.UTF_8);
        if (response.statusCode() != 200 || body.contains("\"allowed\":false")) {
            throw new IllegalStateException(request.uri() + " answered " + response.statusCode() + ": " + body);
        }
        return took;
    }
}
