package io.countersign.identity;

import io.countersign.model.Principal;
import io.countersign.yaml.ConfigException;
import io.countersign.yaml.Yaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Reads {@code identities.yaml}: the principals, their groups and their API key hashes. Identities are
 * provisioned here by an admin (or, later, the IdP); nobody declares their own.
 */
public final class IdentitiesLoader {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}");
    private static final Pattern KEY_HASH = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Set<String> FIELDS = Set.of("id", "kind", "name", "email", "groups", "owner", "api_keys", "accounts", "roles");
    private static final Set<String> CHAT_SYSTEMS = Set.of("slack", "teams");

    private IdentitiesLoader() {
    }

    public static Identities load(Path file) {
        String name = file.getFileName().toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode root = Yaml.parse(name, text);
        JsonNode list = root == null ? null : root.get("principals");
        if (list == null || !list.isArray()) {
            throw new ConfigException(name + ": expected a top-level 'principals' list");
        }
        Map<String, Principal> byId = new HashMap<>();
        Map<String, Principal> byKey = new HashMap<>();
        Map<Identities.ChatAccount, Principal> byAccount = new HashMap<>();
        int index = 0;
        for (JsonNode node : list.values()) {
            String where = name + ": principals[" + index++ + "]";
            if (!node.isObject()) {
                throw new ConfigException(where + " must be a mapping");
            }
            for (String key : node.propertyNames()) {
                if (!FIELDS.contains(key)) {
                    throw new ConfigException(where + ": unknown key '" + key + "'");
                }
            }
            String id = text(node, "id", where, true);
            if (!ID.matcher(id).matches()) {
                throw new ConfigException(where + ": id '" + id + "' may hold only letters, digits and _ . @ -");
            }
            where = name + ": principal '" + id + "'";
            Principal.Kind kind = kind(text(node, "kind", where, true), where);
            Set<String> groups = new LinkedHashSet<>();
            JsonNode groupList = node.get("groups");
            if (groupList != null) {
                if (!groupList.isArray()) {
                    throw new ConfigException(where + ": 'groups' must be a list");
                }
                groupList.values().forEach(g -> groups.add(g.asString()));
            }
            if (kind != Principal.Kind.HUMAN && !groups.isEmpty()) {
                throw new ConfigException(where + ": only humans review, so only humans belong to reviewer groups");
            }
            Set<Principal.Role> roles = roles(node.get("roles"), kind, where);
            if (roles.contains(Principal.Role.AUDITOR) && !groups.isEmpty()) {
                throw new ConfigException(where + ": an auditor does not review, so belongs to no reviewer group");
            }
            if (roles.contains(Principal.Role.AUDITOR) && roles.contains(Principal.Role.ADMIN)) {
                throw new ConfigException(where + ": an auditor checks what admins did, so cannot be an admin too");
            }
            Principal principal = new Principal(id, kind, text(node, "name", where, false), text(node, "email", where, false),
                    groups, text(node, "owner", where, false), roles);
            if (byId.put(id, principal) != null) {
                throw new ConfigException(where + ": duplicate id");
            }
            JsonNode accounts = node.get("accounts");
            if (accounts != null) {
                if (!accounts.isObject() || !principal.isHuman()) {
                    throw new ConfigException(where + ": 'accounts' is a mapping of chat system to user id (slack: U0123ABC), for humans only");
                }
                for (String system : accounts.propertyNames()) {
                    String account = accounts.get(system).asString("");
                    if (!CHAT_SYSTEMS.contains(system) || !account.matches("[A-Za-z0-9_:.@-]{1,128}")) {
                        throw new ConfigException(where + ": accounts." + system + " must be a slack or teams user id");
                    }
                    if (byAccount.put(new Identities.ChatAccount(system, account), principal) != null) {
                        throw new ConfigException(where + ": the " + system + " account " + account + " is listed for two principals");
                    }
                }
            }
            JsonNode keyList = node.get("api_keys");
            if (keyList != null) {
                if (!keyList.isArray()) {
                    throw new ConfigException(where + ": 'api_keys' must be a list of sha256:<hex> hashes");
                }
                for (JsonNode key : keyList.values()) {
                    String hash = key.asString();
                    if (!KEY_HASH.matcher(hash).matches()) {
                        throw new ConfigException(where + ": api_keys entries must be sha256:<64 hex digits> (the hash, never the key)");
                    }
                    if (byKey.put(hash, principal) != null) {
                        throw new ConfigException(where + ": an API key hash is listed for two principals");
                    }
                }
            }
        }
        for (Principal principal : byId.values()) {
            if (principal.owner() != null) {
                Principal owner = byId.get(principal.owner());
                if (owner == null || !owner.isHuman()) {
                    throw new ConfigException(name + ": principal '" + principal.id() + "': owner '" + principal.owner() + "' is not a known human");
                }
            }
        }
        return new Identities(byId, byKey, byAccount);
    }

    private static Principal.Kind kind(String value, String where) {
        try {
            return Principal.Kind.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": kind must be agent, human or service");
        }
    }

    private static String text(JsonNode node, String key, String where, boolean required) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            if (required) {
                throw new ConfigException(where + ": missing '" + key + "'");
            }
            return null;
        }
        if (!value.isString()) {
            throw new ConfigException(where + ": '" + key + "' must be text");
        }
        return value.stringValue();
    }

    /** {@code roles: [auditor]} or {@code [admin]}, for humans only; an auditor in reviewer groups would be a contradiction. */
    private static Set<Principal.Role> roles(JsonNode list, Principal.Kind kind, String where) {
        Set<Principal.Role> roles = java.util.EnumSet.noneOf(Principal.Role.class);
        if (list == null) {
            return roles;
        }
        if (!list.isArray() || kind != Principal.Kind.HUMAN) {
            throw new ConfigException(where + ": 'roles' is a list (roles: [auditor] or [admin]), for humans only");
        }
        for (JsonNode value : list.values()) {
            String text = value.asString("");
            Principal.Role role = java.util.Arrays.stream(Principal.Role.values()).filter(r -> r.wireName().equals(text)).findFirst()
                    .orElseThrow(() -> new ConfigException(where + ": unknown role '" + text + "' (known: auditor, admin)"));
            roles.add(role);
        }
        return roles;
    }
}
