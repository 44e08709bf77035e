package io.countersign.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/** Countersign's SigV4 against the AWS SDK's own signer: the same request, time and key give the same signature. */
class SigV4Test {
    private static final Instant AT = Instant.parse("2026-12-08T12:34:56Z");

    private static SignedRequest sdkSigned(URI uri, byte[] body, Map<String, String> headers) {
        SdkHttpFullRequest.Builder request = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).uri(uri);
        headers.forEach(request::putHeader);
        return AwsV4HttpSigner.create().sign(r -> r.identity(AwsCredentialsIdentity.create("AKCSABCDEFGHIJKLMNOP", "secret/with+chars"))
                .request(request.build()).payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "iam").putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(AT, ZoneOffset.UTC)));
    }

    private static void sameSignature(URI uri, byte[] body, Map<String, String> extra) {
        SignedRequest signed = sdkSigned(uri, body, extra);
        String authorization = signed.request().firstMatchingHeader("Authorization").orElseThrow();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        signed.request().forEachHeader((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), new ArrayList<>(values)));
        List<String> signedHeaders = List.of(authorization.replaceAll(".*SignedHeaders=([^,]+),.*", "$1").split(";"));
        String ours = SigV4.signature("secret/with+chars", SigV4.Scope.of(AT, "us-east-1", "iam"), "20261208T123456Z",
                new SigV4.Request("POST", uri.getRawPath(), uri.getRawQuery(), headers, SigV4.sha256Hex(body)), signedHeaders);
        assertThat(authorization).endsWith("Signature=" + ours);
    }

    @Test
    void aQueryProtocolCallUnderAPathSignsAsTheSdkSignsIt() {
        sameSignature(URI.create("http://127.0.0.1:8080/aws/"), "Action=GetRole&Version=2010-05-08&RoleName=deployer".getBytes(StandardCharsets.UTF_8),
                Map.of("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"));
    }

    @Test
    void aJsonProtocolCallSignsAsTheSdkSignsIt() {
        sameSignature(URI.create("https://ssm.us-east-1.amazonaws.com/"), "{\"Name\":\"/prod/db\"}".getBytes(StandardCharsets.UTF_8),
                Map.of("Content-Type", "application/x-amz-json-1.1", "X-Amz-Target", "AmazonSSM.GetParameter"));
    }

    @Test
    void aQueryStringWithReservedCharactersSignsAsTheSdkSignsIt() {
        sameSignature(URI.create("http://127.0.0.1:8080/aws/?Action=GetRole&RoleName=a%20b%2Fc&Version=2010-05-08"), new byte[0], Map.of());
    }
}
