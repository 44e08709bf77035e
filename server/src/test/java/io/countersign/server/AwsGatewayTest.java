package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.countersign.aws.AwsKeys;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.SsmException;
import tools.jackson.databind.JsonNode;

/**
 * The AWS API gateway, driven by the AWS SDK for Java v2 and the AWS CLI as an agent would, against a fake AWS
 * that checks every forwarded call's signature with the SDK's own signer.
 */
class AwsGatewayTest {
    private static final String ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
    private static final String READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

    @TempDir
    Path directory;
    private FakeAws aws;
    private TestServer server;
    private AwsKeys.Pair agent;

    @BeforeEach
    void start() throws IOException {
        aws = new FakeAws();
        start("access_denied", "");
    }

    private void start(String held, String extra) throws IOException {
        ConfigDirectory.ensureExample(directory);
        Path secret = directory.resolve("secrets/aws-secret");
        Files.createDirectories(secret.getParent());
        Files.writeString(secret, FakeAws.SECRET_KEY);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path settings = directory.resolve("countersign.yaml");
        String text = Files.readString(settings);
        if (!text.contains("\naws:")) {
            Files.writeString(settings, text + """
                    aws:
                      services:
                        iam: {endpoint: "%1$s", region: us-east-1}
                        sts: {endpoint: "%1$s", region: us-east-1}
                        ssm: {endpoint: "%1$s", region: us-east-1}
                      credentials: {access_key_id: %2$s, secret_access_key: "${file:secrets/aws-secret}"}
                      held: %3$s
                    %4$s""".formatted(aws.endpoint(), FakeAws.ACCESS_KEY, held, extra));
        }
        agent = AwsKeys.loadOrCreate(AwsKeys.file(directory)).newPair();
        Path identities = directory.resolve("identities.yaml");
        Files.writeString(identities, Files.readString(identities).replace("    owner: carol\n",
                "    owner: carol\n    aws_access_keys: [" + agent.accessKeyId() + "]\n"));
        server = TestServer.start(directory);
    }

    @AfterEach
    void stop() {
        server.close();
        aws.close();
    }

    private URI gateway() {
        return server.uri("/aws/");
    }

    private IamClient iam(String accessKeyId, String secret, RetryMode retries) {
        return IamClient.builder().endpointOverride(gateway()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secret)))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.retryStrategy(retries)).build();
    }

    private IamClient iam() {
        return iam(agent.accessKeyId(), agent.secretAccessKey(), RetryMode.STANDARD);
    }

    private SsmClient ssm() {
        return SsmClient.builder().endpointOverride(gateway()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(agent.accessKeyId(), agent.secretAccessKey())))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    @Test
    void attachingAdministratorAccessIsDeniedAndNeverReachesAws() {
        try (IamClient iam = iam()) {
            IamException denied = catchThrowableOfType(IamException.class,
                    () -> iam.attachRolePolicy(r -> r.roleName("deployer").policyArn(ADMIN)));
            assertThat(denied.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
            assertThat(denied.statusCode()).isEqualTo(403);
            assertThat(denied.awsErrorDetails().errorMessage()).contains("Countersign denied the call").contains("rule no-admin-grants");
        }
        assertThat(aws.received).isEmpty();
        JsonNode denied = server.get("carol", "/v1/actions?status=denied&limit=5").body().path("actions").get(0);
        assertThat(denied.path("action").asString()).isEqualTo("aws.iam.AttachRolePolicy");
        assertThat(denied.path("resource").path("type").asString()).isEqualTo("aws.iam.role");
        assertThat(denied.path("resource").path("env").asString()).isEqualTo("prod");
        assertThat(denied.path("intent").path("summary").asString()).isEqualTo("AWS IAM AttachRolePolicy on role prod/deployer");
        assertThat(denied.path("payload").path("PolicyArn").asString()).isEqualTo(ADMIN);
    }

    @Test
    void aNarrowerAttachIsHeldThenRunsOnceAfterApproval() {
        String requestId;
        try (IamClient iam = iam()) {
            IamException held = catchThrowableOfType(IamException.class,
                    () -> iam.attachRolePolicy(r -> r.roleName("deployer").policyArn(READ_ONLY)));
            assertThat(held.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
            assertThat(held.awsErrorDetails().errorMessage()).contains("holding this call for approval")
                    .contains("/requests/" + held.requestId());
            requestId = held.requestId();
            assertThat(aws.received).isEmpty();
            // Reviewers see it as any request: headline, the call's parameters.
            String page = server.consolePage("alice", "/requests/" + requestId);
            assertThat(page).contains("AWS IAM AttachRolePolicy on role prod/deployer").contains("AmazonS3ReadOnlyAccess");

            // Asking again while it waits is the same request, not a second one for reviewers.
            IamException again = catchThrowableOfType(IamException.class,
                    () -> iam.attachRolePolicy(r -> r.roleName("deployer").policyArn(READ_ONLY)));
            assertThat(again.requestId()).isEqualTo(requestId);

            assertThat(server.review("alice", requestId, "approve", "narrow enough").status()).isEqualTo(200);
            iam.attachRolePolicy(r -> r.roleName("deployer").policyArn(READ_ONLY));
            assertThat(aws.of("AttachRolePolicy")).singleElement().satisfies(call -> {
                assertThat(call.signatureValid()).as("re-signed with the gateway's credentials, as the AWS SDK signs").isTrue();
                assertThat(call.accessKeyId()).isEqualTo(FakeAws.ACCESS_KEY);
                assertThat(call.form()).containsEntry("RoleName", "deployer").containsEntry("PolicyArn", READ_ONLY);
            });

            // The approval was used: the same call once more is a new request, held again, and nothing reaches AWS.
            IamException third = catchThrowableOfType(IamException.class,
                    () -> iam.attachRolePolicy(r -> r.roleName("deployer").policyArn(READ_ONLY)));
            assertThat(third.requestId()).isNotEqualTo(requestId);
            assertThat(aws.of("AttachRolePolicy")).hasSize(1);
        }
        JsonNode ran = server.get("carol", "/v1/actions/" + requestId).body();
        assertThat(ran.path("status").asString()).isEqualTo("executed");
        assertThat(server.auditEntries(requestId)).extracting(e -> e.path("type").asString())
                .containsSubsequence("action.requested", "review.submitted", "action.approved", "execution.started", "action.outcome");
    }

    @Test
    void readsRunAtOnceAndTheAnswerComesBackAsAwsGaveIt() {
        try (IamClient iam = iam(); SsmClient ssm = ssm()) {
            var role = iam.getRole(r -> r.roleName("deployer")).role();
            assertThat(role.arn()).isEqualTo("arn:aws:iam::123456789012:role/deployer");
            assertThat(role.description()).isEqualTo("as the fake AWS keeps it");
            var parameter = ssm.getParameter(r -> r.name("/staging/db/host")).parameter();
            assertThat(parameter.value()).isEqualTo("db.staging.internal");
        }
        assertThat(aws.of("GetParameter")).singleElement().satisfies(call -> {
            assertThat(call.signatureValid()).isTrue();
            assertThat(call.json()).contains("\"Name\":\"/staging/db/host\"");
        });
        assertThat(aws.of("GetRole")).singleElement().extracting(FakeAws.Received::signatureValid).isEqualTo(true);
    }

    @Test
    void aJsonProtocolChangeIsHeldInItsOwnErrorShape() {
        try (SsmClient ssm = ssm()) {
            SsmException held = catchThrowableOfType(SsmException.class,
                    () -> ssm.putParameter(r -> r.name("/prod/feature/flag").value("on").type("String").overwrite(true)));
            assertThat(held.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
            assertThat(held.awsErrorDetails().errorMessage()).contains("holding this call for approval");
            SsmException secret = catchThrowableOfType(SsmException.class,
                    () -> ssm.getParameter(r -> r.name("/prod/db/password").withDecryption(true)));
            assertThat(secret.awsErrorDetails().errorMessage()).contains("holding this call for approval");
        }
        assertThat(aws.received).isEmpty();
    }

    @Test
    void anStsCallActsOnTheRoleItsArnNames() {
        try (var sts = software.amazon.awssdk.services.sts.StsClient.builder().endpointOverride(gateway()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(agent.accessKeyId(), agent.secretAccessKey())))
                .httpClient(UrlConnectionHttpClient.create()).build()) {
            var held = catchThrowableOfType(software.amazon.awssdk.services.sts.model.StsException.class,
                    () -> sts.assumeRole(r -> r.roleArn("arn:aws:iam::123456789012:role/deployer").roleSessionName("agent")));
            assertThat(held.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
            assertThat(held.awsErrorDetails().errorMessage()).contains("holding this call for approval")
                    .contains("AWS STS AssumeRole on role prod/deployer");
        }
        assertThat(aws.received).isEmpty();
    }

    @Test
    void badSignaturesUnknownAndRevokedKeysAreRefused() throws Exception {
        try (IamClient wrongSecret = iam(agent.accessKeyId(), "not-the-secret-not-the-secret-not-the-sec", RetryMode.STANDARD)) {
            IamException refused = catchThrowableOfType(IamException.class, () -> wrongSecret.getRole(r -> r.roleName("deployer")));
            assertThat(refused.awsErrorDetails().errorCode()).isEqualTo("SignatureDoesNotMatch");
        }
        AwsKeys.Pair unlisted = AwsKeys.load(AwsKeys.file(directory)).newPair();
        try (IamClient stranger = iam(unlisted.accessKeyId(), unlisted.secretAccessKey(), RetryMode.STANDARD)) {
            IamException refused = catchThrowableOfType(IamException.class, () -> stranger.getRole(r -> r.roleName("deployer")));
            assertThat(refused.awsErrorDetails().errorCode()).isEqualTo("InvalidClientTokenId");
        }
        // Revoking is deleting the id from identities.yaml.
        Path identities = directory.resolve("identities.yaml");
        Files.writeString(identities, Files.readString(identities).replace("    aws_access_keys: [" + agent.accessKeyId() + "]\n", ""));
        server.node().reloadIdentities("test");
        try (IamClient revoked = iam()) {
            IamException refused = catchThrowableOfType(IamException.class, () -> revoked.getRole(r -> r.roleName("deployer")));
            assertThat(refused.awsErrorDetails().errorCode()).isEqualTo("InvalidClientTokenId");
        }
        assertThat(aws.received).isEmpty();
    }

    @Test
    void aCapturedCallReplayedIsRefused() throws Exception {
        // A call signed as the SDK signs it, then sent twice byte for byte, as someone who captured it would.
        byte[] form = "Action=GetRole&Version=2010-05-08&RoleName=deployer".getBytes(StandardCharsets.UTF_8);
        SdkHttpFullRequest unsigned = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).uri(gateway())
                .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8").build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(AwsCredentialsIdentity.create(agent.accessKeyId(), agent.secretAccessKey()))
                .request(unsigned).payload(ContentStreamProvider.fromByteArray(form))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "iam").putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1"));
        HttpRequest.Builder call = HttpRequest.newBuilder(gateway()).POST(HttpRequest.BodyPublishers.ofByteArray(form));
        signed.request().forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("Host")) {
                call.header(name, values.getFirst());
            }
        });
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> first = http.send(call.build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> replay = http.send(call.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(replay.statusCode()).isEqualTo(400);
        assertThat(replay.body()).contains("<Code>Throttling</Code>").contains("received before");
        assertThat(aws.of("GetRole")).hasSize(1);
    }

    @Test
    void heldAsThrottlingTheSdkRetriesByItself() throws IOException {
        server.close();
        Files.writeString(directory.resolve("countersign.yaml"), Files.readString(directory.resolve("countersign.yaml"))
                .replace("held: access_denied", "held: retry"));
        server = TestServer.start(directory);
        try (IamClient iam = iam()) {
            IamException held = catchThrowableOfType(IamException.class,
                    () -> iam.attachRolePolicy(r -> r.roleName("deployer").policyArn(READ_ONLY)));
            assertThat(held.isThrottlingException()).isTrue();
            assertThat(held.numAttempts()).isGreaterThan(1);
            assertThat(held.awsErrorDetails().errorMessage()).contains("holding this call for approval");
        }
        assertThat(server.get("alice", "/v1/actions?status=pending&limit=10").ids()).hasSize(1);
    }

    @Test
    void anAssumedRoleCallsWithTheRolesTemporaryCredentials() throws IOException {
        server.close();
        Path settings = directory.resolve("countersign.yaml");
        Files.writeString(settings, Files.readString(settings).replace("  held: access_denied\n",
                "  held: access_denied\n  assume_role: {role_arn: \"arn:aws:iam::123456789012:role/countersign\", duration: 1h}\n"));
        server = TestServer.start(directory);
        try (IamClient iam = iam()) {
            iam.getRole(r -> r.roleName("deployer"));
            iam.getRole(r -> r.roleName("deployer"));
        }
        assertThat(aws.of("AssumeRole")).singleElement().satisfies(call -> {
            assertThat(call.accessKeyId()).isEqualTo(FakeAws.ACCESS_KEY);
            assertThat(call.form()).containsEntry("RoleArn", "arn:aws:iam::123456789012:role/countersign");
        });
        assertThat(aws.of("GetRole")).hasSize(2).allSatisfy(call -> {
            assertThat(call.accessKeyId()).isEqualTo(FakeAws.ROLE_ACCESS_KEY);
            assertThat(call.signatureValid()).isTrue();
        });
    }

    /** The real AWS CLI, with only what a user types: the endpoint, the key pair, the command. */
    @Test
    void theAwsCliIsDeniedHeldAndRunsAfterApproval() throws Exception {
        boolean required = "1".equals(System.getenv("COUNTERSIGN_REQUIRE_AWS_CLI"));
        boolean present = new ProcessBuilder("sh", "-c", "command -v aws").start().waitFor() == 0;
        if (!present) {
            assertThat(required).as("the AWS CLI is required (COUNTERSIGN_REQUIRE_AWS_CLI=1) but not on PATH").isFalse();
            Assumptions.abort("the AWS CLI is not installed");
        }
        Cli denied = aws("iam", "attach-role-policy", "--role-name", "deployer", "--policy-arn", ADMIN);
        assertThat(denied.exit()).isNotZero();
        assertThat(denied.err()).contains("AccessDenied").contains("Countersign denied the call").contains("rule no-admin-grants");

        Cli held = aws("iam", "attach-role-policy", "--role-name", "deployer", "--policy-arn", READ_ONLY);
        assertThat(held.exit()).isNotZero();
        assertThat(held.err()).contains("holding this call for approval");
        String id = server.get("alice", "/v1/actions?status=pending&limit=5").ids().getFirst();
        assertThat(held.err()).contains(id);
        server.review("alice", id, "approve", "ok");

        Cli ran = aws("iam", "attach-role-policy", "--role-name", "deployer", "--policy-arn", READ_ONLY);
        assertThat(ran.exit()).as(ran.err()).isZero();
        assertThat(aws.of("AttachRolePolicy")).singleElement().extracting(FakeAws.Received::signatureValid).isEqualTo(true);

        Cli role = aws("iam", "get-role", "--role-name", "deployer", "--output", "json");
        assertThat(role.exit()).as(role.err()).isZero();
        assertThat(role.out()).contains("arn:aws:iam::123456789012:role/deployer");
    }

    private record Cli(int exit, String out, String err) {
    }

    private Cli aws(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("aws", "--endpoint-url", gateway().toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command);
        Path home = directory.resolve("cli-home");
        Files.createDirectories(home);
        builder.environment().put("HOME", home.toString());
        builder.environment().put("AWS_ACCESS_KEY_ID", agent.accessKeyId());
        builder.environment().put("AWS_SECRET_ACCESS_KEY", agent.secretAccessKey());
        builder.environment().put("AWS_DEFAULT_REGION", "us-east-1");
        builder.environment().put("AWS_CONFIG_FILE", home.resolve("config").toString());
        builder.environment().put("AWS_SHARED_CREDENTIALS_FILE", home.resolve("credentials").toString());
        builder.environment().remove("AWS_PROFILE");
        builder.environment().remove("AWS_SESSION_TOKEN");
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Cli(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
