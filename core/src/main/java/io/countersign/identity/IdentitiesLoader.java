package io.countersign.identity;

import io.countersign.json.ActionDigest;
import io.countersign.model.Principal;
import io.countersign.policy.PolicyProblem;
import io.countersign.yaml.MalformedYamlException;
import io.countersign.yaml.Yaml;
import io.countersign.yaml.YamlDocument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Reads {@code identities.yaml}: the principals, their groups, roles, accounts and API key hashes. Identities
 * are provisioned here by an admin; nobody declares their own. Every problem is reported, each with its file
 * and line, and a file with any problem is refused whole.
 */
public final class IdentitiesLoader {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}");
    private static final Pattern KEY_HASH = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern CHAT_ACCOUNT = Pattern.compile("[A-Za-z0-9_:.@-]{1,128}");
    /** {@code <issuer URL>|<subject>}: a subject is unique only within its issuer. */
    private static final Pattern OIDC_ACCOUNT = Pattern.compile("https?://[^|\\s]{1,512}\\|[^|\\s]{1,255}");
    private static final Set<String> FIELDS = Set.of("id", "kind", "name", "email", "groups", "owner", "api_keys", "accounts", "roles",
            "disabled", "aws_access_keys");
    private static final Set<String> KEY_FIELDS = Set.of("hash", "expires");
    private static final Set<String> ACCOUNT_SYSTEMS = Set.of("slack", "teams", "oidc", "kubernetes");
    /** A Kubernetes user name as the API server reports it: {@code system:serviceaccount:prod:deploy-bot}, an e-mail, a name. */
    private static final Pattern KUBERNETES_ACCOUNT = Pattern.compile("[A-Za-z0-9_:.@+-]{1,253}");
    /** What {@code countersign keys new --aws} issues: AKCS and 16 base-32 characters. */
    private static final Pattern AWS_ACCESS_KEY_ID = Pattern.compile("AKCS[A-Z2-7]{16}");

    private IdentitiesLoader() {
    }

    /** @throws IdentitiesException listing every problem, when the file is not valid */
    public static Identities load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IdentitiesException(List.of(new PolicyProblem(file.toString(), 0, null, "cannot read: " + e.getMessage())));
        }
        return parse(file.getFileName().toString(), bytes);
    }

    /** The state of parsing one file: what it found so far, and what is wrong with it. */
    private static final class Reading {
        final YamlDocument document;
        final List<PolicyProblem> problems = new ArrayList<>();
        final Map<String, Principal> byId = new HashMap<>();
        final Map<String, Identities.Key> byKey = new HashMap<>();
        final Map<Identities.Account, Principal> byAccount = new HashMap<>();
        final Map<String, String> emails = new HashMap<>();
        final Set<String> disabled = new HashSet<>();
        final Map<String, String> owners = new HashMap<>();
        final Map<String, String> where = new HashMap<>();

        Reading(YamlDocument document) {
            this.document = document;
        }

        void problem(String pointer, String principal, String message) {
            problems.add(new PolicyProblem(document.file(), document.line(pointer), null,
                    (principal == null ? "" : "principal '" + principal + "': ") + message));
        }
    }

    static Identities parse(String name, byte[] bytes) {
        YamlDocument document;
        try {
            document = Yaml.parseWithLines(name, new String(bytes, StandardCharsets.UTF_8));
        } catch (MalformedYamlException e) {
            throw new IdentitiesException(List.of(new PolicyProblem(name, e.line(), null, "malformed YAML: " + e.reason())));
        }
        Reading reading = new Reading(document);
        JsonNode root = document.root();
        JsonNode list = root == null ? null : root.get("principals");
        if (list == null || !list.isArray()) {
            reading.problem("", null, "expected a top-level 'principals' list");
            throw new IdentitiesException(reading.problems);
        }
        for (int i = 0; i < list.size(); i++) {
            principal(reading, list.get(i), "/principals/" + i);
        }
        for (var owned : reading.owners.entrySet()) {
            String owner = owned.getValue();
            Principal known = reading.byId.get(owner);
            if (known == null && !reading.disabled.contains(owner) || known != null && !known.isHuman()) {
                reading.problem(reading.where.get(owned.getKey()) + "/owner", owned.getKey(), "owner '" + owner + "' is not a known human");
            }
        }
        if (!reading.problems.isEmpty()) {
            throw new IdentitiesException(reading.problems);
        }
        return new Identities(reading.byId, reading.byKey, reading.byAccount, reading.disabled,
                "sha256:" + java.util.HexFormat.of().formatHex(ActionDigest.sha256(bytes)));
    }

    private static void principal(Reading reading, JsonNode node, String at) {
        if (!node.isObject()) {
            reading.problem(at, null, "each principal must be a mapping");
            return;
        }
        String id = node.path("id").isString() ? node.get("id").stringValue() : null;
        if (id == null) {
            reading.problem(at, null, "missing 'id'");
            return;
        }
        if (!ID.matcher(id).matches()) {
            reading.problem(at + "/id", null, "id '" + id + "' may hold only letters, digits and _ . @ -");
            return;
        }
        if (reading.where.containsKey(id)) {
            reading.problem(at + "/id", id, "duplicate id (first at line " + reading.document.line(reading.where.get(id)) + ")");
            return;
        }
        reading.where.put(id, at);
        int before = reading.problems.size();
        for (String key : node.propertyNames()) {
            if (!FIELDS.contains(key)) {
                reading.problem(at + "/" + key, id, "unknown key '" + key + "' (known: " + String.join(", ", new java.util.TreeSet<>(FIELDS)) + ")");
            }
        }
        Principal.Kind kind = kind(reading, node, at, id);
        Set<String> groups = new LinkedHashSet<>();
        JsonNode groupList = node.get("groups");
        if (groupList != null) {
            if (!groupList.isArray()) {
                reading.problem(at + "/groups", id, "'groups' must be a list");
            } else {
                groupList.values().forEach(g -> groups.add(g.asString()));
            }
        }
        if (kind != null && kind != Principal.Kind.HUMAN && !groups.isEmpty()) {
            reading.problem(at + "/groups", id, "only humans review, so only humans belong to reviewer groups");
        }
        Set<Principal.Role> roles = roles(reading, node.get("roles"), kind, at, id);
        if (roles.contains(Principal.Role.AUDITOR) && !groups.isEmpty()) {
            reading.problem(at + "/roles", id, "an auditor does not review, so belongs to no reviewer group");
        }
        if (roles.contains(Principal.Role.AUDITOR) && roles.contains(Principal.Role.ADMIN)) {
            reading.problem(at + "/roles", id, "an auditor checks what admins did, so cannot be an admin too");
        }
        boolean disabled = false;
        if (node.has("disabled")) {
            if (!node.get("disabled").isBoolean()) {
                reading.problem(at + "/disabled", id, "'disabled' is true or false");
            } else {
                disabled = node.get("disabled").booleanValue();
            }
        }
        String email = text(reading, node, "email", at, id);
        String owner = text(reading, node, "owner", at, id);
        if (reading.problems.size() > before || kind == null) {
            return;
        }
        Principal principal = new Principal(id, kind, text(reading, node, "name", at, id), email, groups, owner, roles);
        if (owner != null) {
            reading.owners.put(id, owner);
        }
        if (disabled) {
            // Known only as disabled: no key, account or address of theirs finds anyone.
            reading.disabled.add(id);
            return;
        }
        reading.byId.put(id, principal);
        if (email != null) {
            String normalized = Emails.normalize(email, Emails.LocalPart.CASE_INSENSITIVE);
            if (normalized == null) {
                reading.problem(at + "/email", id, "'" + email + "' is not an e-mail address");
            } else {
                String other = reading.emails.putIfAbsent(normalized, id);
                if (other != null) {
                    reading.problem(at + "/email", id, "the e-mail address " + email + " is also principal '" + other
                            + "''s (compared without case): one address must name one person");
                }
            }
        }
        accounts(reading, node.get("accounts"), principal, at);
        keys(reading, node.get("api_keys"), principal, at);
        awsKeys(reading, node.get("aws_access_keys"), principal, at);
    }

    /** Access key ids of the AWS gateway: an account in the system {@code aws}, as many as the principal has. */
    private static void awsKeys(Reading reading, JsonNode keys, Principal principal, String at) {
        if (keys == null) {
            return;
        }
        if (!keys.isArray()) {
            reading.problem(at + "/aws_access_keys", principal.id(), "'aws_access_keys' must be a list of access key ids (AKCS...)");
            return;
        }
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i).asString("");
            String pointer = at + "/aws_access_keys/" + i;
            if (!AWS_ACCESS_KEY_ID.matcher(key).matches()) {
                reading.problem(pointer, principal.id(), "aws_access_keys entries are access key ids as `countersign keys new --aws` prints "
                        + "them: AKCS and 16 characters A-Z, 2-7 (never the secret)");
                continue;
            }
            Principal other = reading.byAccount.putIfAbsent(new Identities.Account("aws", key), principal);
            if (other != null) {
                reading.problem(pointer, principal.id(), "the access key id " + key + " is also principal '" + other.id() + "''s");
            }
        }
    }

    private static void accounts(Reading reading, JsonNode accounts, Principal principal, String at) {
        if (accounts == null) {
            return;
        }
        String id = principal.id();
        if (!accounts.isObject()) {
            reading.problem(at + "/accounts", id, "'accounts' maps slack, teams, oidc or kubernetes to the principal's account there");
            return;
        }
        for (String system : accounts.propertyNames()) {
            String account = accounts.get(system).asString("");
            String pointer = at + "/accounts/" + system;
            if (!ACCOUNT_SYSTEMS.contains(system)) {
                reading.problem(pointer, id, "unknown account system '" + system + "' (known: kubernetes, oidc, slack, teams)");
                continue;
            }
            if (!principal.isHuman() && !system.equals("kubernetes")) {
                // Chat and sign-in accounts are how people review; agents and services never do.
                reading.problem(pointer, id, "accounts." + system + " is for humans only; an agent or service may have accounts.kubernetes");
                continue;
            }
            boolean valid = switch (system) {
                case "oidc" -> OIDC_ACCOUNT.matcher(account).matches();
                case "kubernetes" -> KUBERNETES_ACCOUNT.matcher(account).matches();
                default -> CHAT_ACCOUNT.matcher(account).matches();
            };
            if (!valid) {
                reading.problem(pointer, id, switch (system) {
                    case "oidc" -> "accounts.oidc is '<issuer URL>|<subject>', e.g. https://login.example.com/|248289761001";
                    case "kubernetes" -> "accounts.kubernetes is the user name the API server reports, e.g. system:serviceaccount:prod:deploy-bot";
                    default -> "accounts." + system + " must be a " + system + " user id";
                });
                continue;
            }
            Principal other = reading.byAccount.putIfAbsent(new Identities.Account(system, account), principal);
            if (other != null) {
                reading.problem(pointer, id, "the " + system + " account " + account + " is also principal '" + other.id() + "''s");
            }
        }
    }

    private static void keys(Reading reading, JsonNode keys, Principal principal, String at) {
        if (keys == null) {
            return;
        }
        String id = principal.id();
        if (!keys.isArray()) {
            reading.problem(at + "/api_keys", id, "'api_keys' must be a list of sha256:<hex> hashes (or {hash, expires})");
            return;
        }
        for (int i = 0; i < keys.size(); i++) {
            JsonNode key = keys.get(i);
            String pointer = at + "/api_keys/" + i;
            String hash;
            Instant expires = null;
            if (key.isObject()) {
                for (String field : key.propertyNames()) {
                    if (!KEY_FIELDS.contains(field)) {
                        reading.problem(pointer + "/" + field, id, "unknown key '" + field + "' in an API key (known: hash, expires)");
                    }
                }
                hash = key.path("hash").asString("");
                if (key.has("expires")) {
                    expires = io.countersign.model.Instants.dateOrInstant(key.get("expires").asString(""));
                    if (expires == null) {
                        reading.problem(pointer + "/expires", id, "'expires' is a date (2027-03-01) or an instant (2027-03-01T12:00:00Z)");
                        continue;
                    }
                }
            } else {
                hash = key.asString("");
            }
            if (!KEY_HASH.matcher(hash).matches()) {
                reading.problem(pointer, id, "api_keys entries are sha256:<64 hex digits> (the hash, never the key)");
                continue;
            }
            Identities.Key other = reading.byKey.putIfAbsent(hash, new Identities.Key(principal, expires));
            if (other != null) {
                reading.problem(pointer, id, "this API key hash is also listed for principal '" + other.principal().id() + "'");
            }
        }
    }


    private static Principal.Kind kind(Reading reading, JsonNode node, String at, String id) {
        String value = node.path("kind").isString() ? node.get("kind").stringValue() : null;
        if (value == null) {
            reading.problem(at, id, "missing 'kind' (agent, human or service)");
            return null;
        }
        try {
            return Principal.Kind.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            reading.problem(at + "/kind", id, "kind must be agent, human or service");
            return null;
        }
    }

    private static String text(Reading reading, JsonNode node, String key, String at, String id) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            reading.problem(at + "/" + key, id, "'" + key + "' must be text");
            return null;
        }
        return value.stringValue();
    }

    /** {@code roles: [auditor]} or {@code [admin]}, for humans only. */
    private static Set<Principal.Role> roles(Reading reading, JsonNode list, Principal.Kind kind, String at, String id) {
        Set<Principal.Role> roles = EnumSet.noneOf(Principal.Role.class);
        if (list == null) {
            return roles;
        }
        if (!list.isArray() || kind != Principal.Kind.HUMAN) {
            reading.problem(at + "/roles", id, "'roles' is a list (roles: [auditor] or [admin]), for humans only");
            return roles;
        }
        for (JsonNode value : list.values()) {
            String text = value.asString("");
            java.util.Arrays.stream(Principal.Role.values()).filter(r -> r.wireName().equals(text)).findFirst().ifPresentOrElse(roles::add,
                    () -> reading.problem(at + "/roles", id, "unknown role '" + text + "' (known: auditor, admin)"));
        }
        return roles;
    }
}
