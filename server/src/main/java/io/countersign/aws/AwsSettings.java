package io.countersign.aws;

import io.countersign.policy.DurationText;
import io.countersign.secrets.SecretReferences;
import io.countersign.yaml.ConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * The {@code aws:} section of countersign.yaml: where each service's calls go once allowed, the credentials
 * they are re-signed with, and how a held call is answered.
 *
 * @param services   the services agents may call, by their SigV4 name ({@code iam}, {@code sts}, {@code ssm})
 * @param assumeRole a role the gateway assumes with {@code credentials} and calls with; null to call as them
 * @param held       how a call held for approval is answered
 */
public record AwsSettings(Map<String, Service> services, Credentials credentials, AssumeRole assumeRole, Held held) {
    private static final Set<String> KEYS = Set.of("services", "credentials", "assume_role", "held");

    /** How the gateway answers a call that waits for approval. */
    public enum Held {
        /** A throttling error: the SDKs and CLI retry it by themselves, and a retry after approval runs. */
        RETRY,
        /** AccessDenied naming the pending request and where to approve it; the caller runs it again later. */
        ACCESS_DENIED
    }

    /** The AWS wire protocols the gateway speaks, and the services known to use each. */
    public enum Protocol {
        QUERY, JSON;

        static final Map<String, Protocol> OF_SERVICE = Map.of("iam", QUERY, "sts", QUERY, "ssm", JSON);
    }

    /** One service: where its calls are forwarded, in which region they are signed. */
    public record Service(String name, URI endpoint, String region, Protocol protocol) {
    }

    public record Credentials(String accessKeyId, String secretAccessKey, String sessionToken) {
        @Override
        public String toString() {
            return "Credentials[" + accessKeyId + "]";
        }
    }

    public record AssumeRole(String roleArn, String sessionName, Duration duration) {
    }

    /** Null when the section is absent: the gateway is off and {@code /aws/} answers 404. */
    public static AwsSettings read(JsonNode node, Path directory, Function<String, String> environment, String where) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new ConfigException(where + " must be a mapping of services, credentials, assume_role, held");
        }
        unknownKeys(node, KEYS, where);
        Map<String, Service> services = new LinkedHashMap<>();
        JsonNode list = node.path("services");
        if (!list.isObject() || list.isEmpty()) {
            throw new ConfigException(where + ".services: name the services agents may call, e.g. iam: {endpoint: https://iam.amazonaws.com, "
                    + "region: us-east-1}");
        }
        for (String name : list.propertyNames()) {
            String at = where + ".services." + name;
            Protocol protocol = Protocol.OF_SERVICE.get(name);
            if (protocol == null) {
                throw new ConfigException(at + ": the gateway speaks iam, sts and ssm so far");
            }
            JsonNode service = list.get(name);
            unknownKeys(service, Set.of("endpoint", "region"), at);
            URI endpoint;
            try {
                endpoint = URI.create(service.path("endpoint").asString(""));
            } catch (IllegalArgumentException e) {
                endpoint = null;
            }
            if (endpoint == null || endpoint.getHost() == null || !Set.of("https", "http").contains(endpoint.getScheme())) {
                throw new ConfigException(at + ".endpoint must be the service's URL, e.g. https://" + name + ".amazonaws.com");
            }
            String region = service.path("region").asString("");
            if (!region.matches("[a-z0-9-]{2,32}")) {
                throw new ConfigException(at + ".region must be the region calls are signed for, e.g. us-east-1");
            }
            services.put(name, new Service(name, endpoint, region, protocol));
        }
        SecretReferences secrets = new SecretReferences(directory, environment, new LinkedHashSet<>());
        JsonNode credentials = node.path("credentials");
        if (!credentials.isObject()) {
            throw new ConfigException(where + ".credentials: the key pair allowed calls are re-signed with, e.g. "
                    + "{access_key_id: ${env:AWS_ACCESS_KEY_ID}, secret_access_key: ${env:AWS_SECRET_ACCESS_KEY}}");
        }
        unknownKeys(credentials, Set.of("access_key_id", "secret_access_key", "session_token"), where + ".credentials");
        String accessKeyId = secrets.fill(credentials.path("access_key_id").asString(""), where + ".credentials.access_key_id");
        if (accessKeyId.isBlank()) {
            throw new ConfigException(where + ".credentials.access_key_id is missing");
        }
        String secret = secrets.secret(credentials.path("secret_access_key").asString(null), where + ".credentials.secret_access_key",
                "${env:AWS_SECRET_ACCESS_KEY}");
        String token = credentials.has("session_token") ? secrets.secret(credentials.get("session_token").asString(null),
                where + ".credentials.session_token", "${env:AWS_SESSION_TOKEN}") : null;
        AssumeRole role = null;
        JsonNode assume = node.path("assume_role");
        if (!assume.isMissingNode()) {
            unknownKeys(assume, Set.of("role_arn", "session_name", "duration"), where + ".assume_role");
            String arn = assume.path("role_arn").asString("");
            if (!arn.matches("arn:aws[a-z-]*:iam::\\d{12}:role/.+")) {
                throw new ConfigException(where + ".assume_role.role_arn must be a role ARN, e.g. arn:aws:iam::123456789012:role/countersign");
            }
            if (!services.containsKey("sts")) {
                throw new ConfigException(where + ".assume_role needs services.sts: the role is assumed there");
            }
            Duration duration = DurationText.parse(assume.path("duration").asString("1h"));
            if (duration == null || duration.compareTo(Duration.ofMinutes(15)) < 0 || duration.compareTo(Duration.ofHours(12)) > 0) {
                throw new ConfigException(where + ".assume_role.duration must be from 15m to 12h");
            }
            role = new AssumeRole(arn, assume.path("session_name").asString("countersign"), duration);
        }
        Held held = switch (node.path("held").asString("retry")) {
            case "retry" -> Held.RETRY;
            case "access_denied" -> Held.ACCESS_DENIED;
            default -> throw new ConfigException(where + ".held must be retry (a throttling error SDKs retry) or access_denied");
        };
        return new AwsSettings(Map.copyOf(services), new Credentials(accessKeyId, secret, token), role, held);
    }

    private static void unknownKeys(JsonNode node, Set<String> known, String where) {
        if (!node.isObject()) {
            throw new ConfigException(where + " must be a mapping of " + String.join(", ", known.stream().sorted().toList()));
        }
        for (String key : node.propertyNames()) {
            if (!known.contains(key)) {
                throw new ConfigException(where + ": unknown key '" + key + "' (expected " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }
}
