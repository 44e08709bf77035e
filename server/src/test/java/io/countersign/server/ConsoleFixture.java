package io.countersign.server;

import com.nimbusds.jose.JOSEObjectType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;

/**
 * A node with the console signed in through a real OpenID Connect server run in-process
 * (NAV's mock-oauth2-server): discovery, authorization endpoint, token endpoint with PKCE, JWKS.
 */
class ConsoleFixture implements AutoCloseable {
    static final String CLIENT_ID = "countersign-console";
    static final String POLICY = """
            version: 1
            rules:
              - id: console-two
                when: action == "console.deploy"
                effect: require_approval
                approvals: {min: 2, from: [sre, data-owners]}
                ttl: 10m
                controls: [soc2:CC8.1]
              - id: console-justified
                when: action == "console.grant"
                effect: require_approval
                approvals: {min: 1, from: [sre]}
                justification: required
            """;

    final MockOAuth2Server idp = new MockOAuth2Server();
    final TestServer server;
    final String issuer;

    ConsoleFixture(Path config, boolean demoLogin) {
        this(config, demoLogin, "");
    }

    /** @param oidcSettings more keys of the oidc section, each on a line of its own indented by 4 spaces */
    ConsoleFixture(Path config, boolean demoLogin, String oidcSettings) {
        try {
            idp.start(InetAddress.getByName("127.0.0.1"), 0);
            issuer = idp.issuerUrl("default").toString();
            int port = TestServer.freePort();
            ConfigDirectory.ensureExample(config);
            // An auditor who signs in by SSO (no API key): the IdP may well put her in reviewer groups.
            Files.writeString(config.resolve("identities.yaml"), """
                      - id: dana
                        kind: human
                        name: Dana Auditor
                        email: dana@example.com
                        roles: [auditor]
                    """, java.nio.file.StandardOpenOption.APPEND);
            Path secrets = Files.createDirectories(config.resolve("secrets"));
            Files.writeString(secrets.resolve("oidc-client-secret"), "console-secret-5e6f");
            Files.setPosixFilePermissions(secrets.resolve("oidc-client-secret"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            String settings = Files.readString(config.resolve("countersign.yaml"));
            // The example's web section is replaced by one that signs in through the IdP.
            settings = settings.substring(0, settings.indexOf("\nweb:")) + """

                    web:
                      public_url: http://127.0.0.1:%d/
                      demo_login: %s
                      oidc:
                        issuer: %s
                        client_id: %s
                        client_secret: ${file:secrets/oidc-client-secret}
                        groups_claim: groups
                    %s""".formatted(port, demoLogin, issuer, CLIENT_ID, oidcSettings);
            Files.writeString(config.resolve("countersign.yaml"), settings);
            Files.writeString(config.resolve("policies/console.yaml"), POLICY);
            beforeStart(config);
            server = TestServer.start(config, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a test changes in the configuration before the node starts (its store, say); nothing by default. */
    void beforeStart(Path directory) throws IOException {
    }

    /** The next sign-in at the IdP is this person, with these groups (as the IdP asserts them). */
    void nextSignIn(String subject, String email, List<String> groups) {
        nextSignIn(subject, Map.of("email", email, "email_verified", true, "name", email.substring(0, email.indexOf('@')), "groups", groups));
    }

    /** The next sign-in at the IdP has exactly these claims (besides subject, audience and issuer). */
    void nextSignIn(String subject, Map<String, Object> claims) {
        idp.enqueueCallback(new DefaultOAuth2TokenCallback("default", subject, JOSEObjectType.JWT.getType(), List.of(CLIENT_ID), claims, 3600));
    }

    /** The next token is issued for another client: its audience is not this console. */
    void nextSignInForAnotherAudience(String email) {
        idp.enqueueCallback(new DefaultOAuth2TokenCallback("default", "someone", JOSEObjectType.JWT.getType(), List.of("another-app"),
                Map.of("email", email, "email_verified", true, "aud", List.of("another-app")), 3600));
    }

    /** The next token claims another issuer than the one the console trusts. */
    void nextSignInFromAnotherIssuer(String email) {
        idp.enqueueCallback(new DefaultOAuth2TokenCallback("default", "someone", JOSEObjectType.JWT.getType(), List.of(CLIENT_ID),
                Map.of("email", email, "email_verified", true, "iss", "https://evil.example.com/"), 3600));
    }

    String submit(String action, String summary, String payload) {
        return submitAs("agent", action, summary, payload);
    }

    /** A production change asked for by {@code who} (a principal of the demo identities), held for one SRE. */
    String submitAs(String who, String action, String summary, String payload) {
        TestServer.Answer answer = server.post(who, "/v1/actions", """
                {"action": "%s", "resource": {"type": "k8s.deployment", "id": "prod/payments-api", "env": "prod"},
                 "intent": {"summary": %s}, "payload": %s, "context": {"agent_run": "run-42"}}"""
                .formatted(action, io.countersign.json.Json.text(io.countersign.json.Json.MAPPER.getNodeFactory().stringNode(summary)), payload));
        if (answer.status() != 202) {
            throw new AssertionError("submit answered " + answer.status() + ": " + answer.body());
        }
        return answer.id();
    }

    @Override
    public void close() {
        server.close();
        idp.shutdown();
    }
}
