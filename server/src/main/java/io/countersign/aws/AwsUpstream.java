package io.countersign.aws;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.xml.sax.SAXException;

/**
 * Sends an allowed call on to AWS, signed again with the gateway's own credentials (or a role it assumes with
 * them), and hands back AWS's answer as it came. The agent never holds credentials that work against AWS.
 */
public final class AwsUpstream {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Headers of AWS's answer that reach the caller: what the SDKs read besides the body. */
    private static final List<String> ANSWER_HEADERS = List.of("content-type", "x-amzn-requestid", "x-amz-request-id", "x-amz-id-2",
            "x-amzn-errortype", "retry-after");

    private final AwsSettings settings;
    private final HttpClient http;
    private final Clock clock;
    private volatile Temporary assumed;

    public AwsUpstream(AwsSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** AWS's answer, passed on unchanged. */
    public record Answer(int status, Map<String, String> headers, byte[] body) {
    }

    /** Credentials with an end, from STS. */
    private record Temporary(AwsSettings.Credentials credentials, Instant expires) {
    }

    /** @throws IOException when AWS cannot be reached or does not answer in time */
    public Answer send(AwsCall call) throws IOException, InterruptedException {
        return send(call.service(), call.contentType(), call.target(), call.body(), credentials());
    }

    private Answer send(AwsSettings.Service service, String contentType, String target, byte[] body, AwsSettings.Credentials credentials)
            throws IOException, InterruptedException {
        URI endpoint = service.endpoint();
        String path = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() ? "/" : endpoint.getRawPath();
        Instant now = clock.instant();
        String amzDate = SigV4.AMZ_DATE.format(now);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("content-type", List.of(contentType == null ? "application/x-www-form-urlencoded; charset=utf-8" : contentType));
        headers.put("host", List.of(endpoint.getPort() < 0 ? endpoint.getHost() : endpoint.getHost() + ":" + endpoint.getPort()));
        headers.put("x-amz-date", List.of(amzDate));
        // As the AWS SDKs sign: the body's hash is stated and covered too.
        headers.put("x-amz-content-sha256", List.of(SigV4.sha256Hex(body)));
        if (credentials.sessionToken() != null) {
            headers.put("x-amz-security-token", List.of(credentials.sessionToken()));
        }
        if (target != null) {
            headers.put("x-amz-target", List.of(target));
        }
        List<String> signed = headers.keySet().stream().sorted().toList();
        SigV4.Scope scope = SigV4.Scope.of(now, service.region(), service.name());
        String signature = SigV4.signature(credentials.secretAccessKey(), scope, amzDate,
                new SigV4.Request("POST", path, endpoint.getRawQuery(), headers, SigV4.sha256Hex(body)), signed);
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.resolve(path)).timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Authorization", SigV4.authorization(credentials.accessKeyId(), scope, signed, signature));
        // The client sets Host itself, from the same URI the signature covers.
        headers.forEach((name, values) -> {
            if (!name.equals("host")) {
                request.header(name, values.getFirst());
            }
        });
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        Map<String, String> passed = new LinkedHashMap<>();
        for (String name : ANSWER_HEADERS) {
            response.headers().firstValue(name).ifPresent(value -> passed.put(name, value));
        }
        return new Answer(response.statusCode(), passed, response.body());
    }

    /** The configured key pair, or the role's temporary credentials, assumed again five minutes before they end. */
    private AwsSettings.Credentials credentials() throws IOException, InterruptedException {
        AwsSettings.AssumeRole role = settings.assumeRole();
        if (role == null) {
            return settings.credentials();
        }
        Temporary current = assumed;
        if (current != null && current.expires().isAfter(clock.instant().plus(Duration.ofMinutes(5)))) {
            return current.credentials();
        }
        synchronized (this) {
            current = assumed;
            if (current == null || !current.expires().isAfter(clock.instant().plus(Duration.ofMinutes(5)))) {
                current = assumeRole(role);
                assumed = current;
            }
            return current.credentials();
        }
    }

    private Temporary assumeRole(AwsSettings.AssumeRole role) throws IOException, InterruptedException {
        String form = "Action=AssumeRole&Version=2011-06-15&RoleArn=" + SigV4.encode(role.roleArn()) + "&RoleSessionName="
                + SigV4.encode(role.sessionName()) + "&DurationSeconds=" + role.duration().toSeconds();
        Answer answer = send(settings.services().get("sts"), null, null, form.getBytes(StandardCharsets.UTF_8), settings.credentials());
        if (answer.status() != 200) {
            throw new IOException("STS refused to assume " + role.roleArn() + ": HTTP " + answer.status() + " " + errorCode(answer.body()).orElse(""));
        }
        Document document = xml(answer.body());
        String key = text(document, "AccessKeyId");
        String secret = text(document, "SecretAccessKey");
        String token = text(document, "SessionToken");
        String expiration = text(document, "Expiration");
        if (key == null || secret == null || token == null || expiration == null) {
            throw new IOException("STS's answer to AssumeRole lacks credentials");
        }
        return new Temporary(new AwsSettings.Credentials(key, secret, token), Instant.parse(expiration));
    }

    private static Optional<String> errorCode(byte[] body) {
        try {
            return Optional.ofNullable(text(xml(body), "Code"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** XML from AWS, read with no DTDs or external entities. */
    private static Document xml(byte[] body) throws IOException {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setExpandEntityReferences(false);
            return factory.newDocumentBuilder().parse(new ByteArrayInputStream(body));
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("not XML: " + e.getMessage(), e);
        }
    }

    private static String text(Document document, String element) {
        var nodes = document.getElementsByTagName(element);
        return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().strip();
    }
}
