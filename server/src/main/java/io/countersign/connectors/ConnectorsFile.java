package io.countersign.connectors;

import io.countersign.policy.DurationText;
import io.countersign.secrets.SecretReferences;
import io.countersign.yaml.ConfigException;
import io.countersign.yaml.Yaml;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * Reads {@code connectors.yaml}: which connectors this node runs, what each may do and with which
 * credentials. A fault names the file, the connector and the setting; a secret's value is never shown.
 */
public final class ConnectorsFile {
    private static final Set<String> COMMON = Set.of("name", "type", "actions", "resource", "timeout");
    private static final Map<String, Set<String>> KEYS = Map.of(
            "exec", Set.of("executables", "working_directory", "environment", "max_output_bytes"),
            "http", Set.of("base_url", "headers", "methods", "max_response_bytes"),
            "sql", Set.of("url", "user", "password", "read_only", "max_rows", "max_bytes"));

    private final Path directory;
    private final String fileName;
    private final Function<String, String> environment;

    private ConnectorsFile(Path directory, String fileName, Function<String, String> environment) {
        this.directory = directory;
        this.fileName = fileName;
        this.environment = environment;
    }

    /**
     * @param file        the connectors file; a missing file means no connectors
     * @param environment where {@code ${env:NAME}} references are looked up
     */
    public static Connectors load(Path file, Function<String, String> environment) {
        if (!Files.exists(file)) {
            return Connectors.NONE;
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode root = Yaml.parse(file.getFileName().toString(), text);
        return new ConnectorsFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), environment).read(root);
    }

    private Connectors read(JsonNode root) {
        if (root == null || root.isNull()) {
            return Connectors.NONE;
        }
        if (!root.isObject() || root.size() != 1 || !root.has("connectors")) {
            throw new ConfigException(fileName + ": expected a mapping with one key, 'connectors', holding a list");
        }
        JsonNode list = root.get("connectors");
        if (list.isNull()) {
            return Connectors.NONE;
        }
        if (!list.isArray()) {
            throw new ConfigException(fileName + ": 'connectors' must be a list");
        }
        List<Connector> connectors = new ArrayList<>();
        Map<String, Connectors.Target> targets = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            Connector connector = connector(list.get(i), fileName + ": connectors[" + i + "]");
            if (!names.add(connector.name())) {
                throw new ConfigException(fileName + ": connectors[" + i + "]: the name '" + connector.name() + "' is used twice");
            }
            connectors.add(connector);
            targets.put(connector.name(), target(list.get(i).get("resource"), fileName + ": connector '" + connector.name() + "'.resource"));
        }
        return new Connectors(connectors, targets);
    }

    /** The resource a connector acts on: requests it serves must name it, so policy sees what really runs. */
    private static Connectors.Target target(JsonNode node, String where) {
        if (node == null || !node.isObject() || !node.path("type").isString() || !node.path("id").isString()
                || node.size() != 2 || node.path("type").stringValue().isBlank() || node.path("id").stringValue().isBlank()) {
            throw new ConfigException(where + ": name the resource this connector acts on, {type: ..., id: ...}"
                    + " (e.g. {type: postgres.database, id: prod/warehouse}); requests it runs must name the same resource");
        }
        return new Connectors.Target(node.path("type").stringValue(), node.path("id").stringValue());
    }

    private Connector connector(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new ConfigException(where + ": expected a mapping");
        }
        String name = required(node, "name", where);
        if (!name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw new ConfigException(where + ".name: '" + name + "' must be lower-case letters, digits and '-'");
        }
        String at = fileName + ": connector '" + name + "'";
        String type = required(node, "type", at);
        Set<String> allowed = KEYS.get(type);
        if (allowed == null) {
            throw new ConfigException(at + ".type: '" + type + "' is not a connector type; expected exec, http or sql");
        }
        for (String key : node.propertyNames()) {
            if (!COMMON.contains(key) && !allowed.contains(key)) {
                throw new ConfigException(at + ": unknown key '" + key + "' for a " + type + " connector");
            }
        }
        ActionPatterns actions = actions(node.get("actions"), at + ".actions");
        Duration timeout = duration(node, "timeout", "30s", at);
        Set<String> secrets = new LinkedHashSet<>();
        SecretReferences references = new SecretReferences(directory, environment, secrets);
        Connector connector = switch (type) {
            case "exec" -> {
                Map<String, Path> executables = new LinkedHashMap<>();
                strings(node, "executables", at).forEach((command, path) -> executables.put(command, executable(command, path, at)));
                if (executables.isEmpty()) {
                    throw new ConfigException(at + ".executables: name at least one executable (name: /absolute/path)");
                }
                Path workingDirectory = directory.resolve(optional(node, "working_directory", "work/" + name, at));
                try {
                    Files.createDirectories(workingDirectory);
                } catch (IOException e) {
                    throw new ConfigException(at + ".working_directory: cannot create " + workingDirectory + ": " + e.getMessage(), e);
                }
                Map<String, String> env = references.fill(strings(node, "environment", at), at + ".environment");
                yield new ExecConnector(name, actions, executables, workingDirectory, env, timeout,
                        size(node, "max_output_bytes", 1 << 20, at), redactor(secrets, at));
            }
            case "http" -> {
                URI base = baseUrl(required(node, "base_url", at), at + ".base_url");
                Map<String, String> headers = references.fill(strings(node, "headers", at), at + ".headers");
                Set<String> methods = new LinkedHashSet<>();
                JsonNode given = node.get("methods");
                if (given == null) {
                    methods.addAll(HttpConnector.ALL_METHODS);
                } else {
                    for (JsonNode method : given.values()) {
                        String upper = method.asString("").toUpperCase(Locale.ROOT);
                        if (!HttpConnector.ALL_METHODS.contains(upper)) {
                            throw new ConfigException(at + ".methods: '" + method.asString("") + "' is not one of GET, HEAD, POST, PUT, PATCH, DELETE");
                        }
                        methods.add(upper);
                    }
                }
                yield new HttpConnector(name, actions, base, headers, methods, timeout,
                        size(node, "max_response_bytes", 1 << 20, at), redactor(secrets, at));
            }
            case "sql" -> {
                String url = references.fill(required(node, "url", at), at + ".url");
                if (!url.startsWith("jdbc:")) {
                    throw new ConfigException(at + ".url: a JDBC URL starts with 'jdbc:' (e.g. jdbc:postgresql://db:5432/app)");
                }
                String user = node.has("user") ? references.fill(required(node, "user", at), at + ".user") : null;
                String password = node.has("password") ? references.fill(required(node, "password", at), at + ".password") : null;
                boolean readOnly = node.path("read_only").asBoolean(false);
                yield new SqlConnector(name, actions, url, user, password, readOnly, size(node, "max_rows", 10_000, at),
                        size(node, "max_bytes", 10 << 20, at), timeout, redactor(secrets, at));
            }
            default -> throw new IllegalStateException(type);
        };
        return connector;
    }

    private static Redactor redactor(Set<String> secrets, String at) {
        for (String secret : secrets) {
            if (secret.length() < Redactor.SHORTEST) {
                throw new ConfigException(at + ": a secret is shorter than " + Redactor.SHORTEST
                        + " characters; too short to keep out of output safely");
            }
        }
        return new Redactor(secrets);
    }

    private static ActionPatterns actions(JsonNode node, String where) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw new ConfigException(where + ": list the actions this connector runs, e.g. [db.query, db.export.*]");
        }
        List<String> patterns = new ArrayList<>();
        for (JsonNode pattern : node.values()) {
            String text = pattern.asString("");
            if (!text.matches("[A-Za-z0-9_.:-]+\\*?") && !text.equals("*")) {
                throw new ConfigException(where + ": '" + text + "' is not an action name or a prefix ending in '*'");
            }
            patterns.add(text);
        }
        return new ActionPatterns(patterns);
    }

    private static Path executable(String command, String path, String at) {
        String where = at + ".executables." + command;
        if (command.isEmpty() || command.contains("/")) {
            throw new ConfigException(where + ": the name an action uses as argv[0] may not contain '/'");
        }
        Path file = Path.of(path);
        if (!file.isAbsolute()) {
            throw new ConfigException(where + ": '" + path + "' must be an absolute path: the command runs without a PATH search");
        }
        if (!Files.isRegularFile(file) || !Files.isExecutable(file)) {
            throw new ConfigException(where + ": " + path + " is not an executable file");
        }
        return file;
    }

    private static URI baseUrl(String text, String where) {
        URI uri;
        try {
            uri = URI.create(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": '" + text + "' is not a URL");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new ConfigException(where + ": an http(s) URL with a host and no query, fragment or user info");
        }
        return uri;
    }

    private Map<String, String> strings(JsonNode node, String key, String at) {
        JsonNode value = node.get(key);
        Map<String, String> result = new LinkedHashMap<>();
        if (value == null || value.isNull()) {
            return result;
        }
        if (!value.isObject()) {
            throw new ConfigException(at + "." + key + ": expected a mapping of names to text");
        }
        for (String name : value.propertyNames()) {
            JsonNode item = value.get(name);
            if (!item.isString() && !item.isNumber() && !item.isBoolean()) {
                throw new ConfigException(at + "." + key + "." + name + ": expected text");
            }
            result.put(name, item.asString());
        }
        return result;
    }

    private static String required(JsonNode node, String key, String at) {
        JsonNode value = node.get(key);
        if (value == null || !value.isString() || value.stringValue().isBlank()) {
            throw new ConfigException(at + ": '" + key + "' is required and must be text");
        }
        return value.stringValue();
    }

    private static String optional(JsonNode node, String key, String fallback, String at) {
        return node.has(key) ? required(node, key, at) : fallback;
    }

    private static Duration duration(JsonNode node, String key, String fallback, String at) {
        String text = optional(node, key, fallback, at);
        Duration duration = DurationText.parse(text);
        if (duration == null || duration.isZero() || duration.compareTo(Duration.ofHours(1)) > 0) {
            throw new ConfigException(at + "." + key + ": '" + text + "' must be a duration up to 1h, e.g. 30s");
        }
        return duration;
    }

    private static long size(JsonNode node, String key, long fallback, String at) {
        JsonNode value = node.get(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 1 || value.longValue() > (1L << 30)) {
            throw new ConfigException(at + "." + key + ": a whole number from 1 to 1073741824");
        }
        return value.longValue();
    }
}
