package io.countersign.server;

import io.countersign.storage.Storage;
import io.countersign.secrets.SecretReferences;
import io.countersign.store.postgres.PostgresStore;
import io.countersign.store.sqlite.SqliteStore;
import io.countersign.yaml.ConfigException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * The {@code store} section: the embedded SQLite file (one node), or a PostgreSQL URL that several
 * nodes share. The password is a {@code ${env:…}} / {@code ${file:…}} reference.
 */
public sealed interface StoreSettings {
    /** @param nodeId this node's name, for the database's view of its sessions */
    Storage open(String nodeId);

    /** Where the state is, without secrets. */
    String describe();

    /** The embedded store, one file. */
    record Sqlite(Path file) implements StoreSettings {
        @Override
        public Storage open(String nodeId) {
            return SqliteStore.open(file);
        }

        @Override
        public String describe() {
            return "SQLite " + file.toAbsolutePath();
        }
    }

    /** PostgreSQL, shared by every node. */
    record Postgres(String url, String user, String password) implements StoreSettings {
        @Override
        public Storage open(String nodeId) {
            return PostgresStore.open(url, user, password, "countersign " + nodeId);
        }

        @Override
        public String describe() {
            return "PostgreSQL " + PostgresStore.withoutSecrets(url);
        }

        @Override
        public String toString() {
            return "Postgres[url=" + url + ", user=" + user + "]";
        }
    }

    Set<String> KEYS = Set.of("sqlite", "url", "user", "password");
    /** The embedded store's file when none is named. */
    String DEFAULT_SQLITE = "data/countersign.db";

    static StoreSettings read(JsonNode node, Path directory, Function<String, String> environment, String where) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return new Sqlite(directory.resolve(DEFAULT_SQLITE));
        }
        if (!node.isObject()) {
            throw new ConfigException(where + " must be a mapping: sqlite: FILE, or url: jdbc:postgresql://… with user and password");
        }
        for (String key : node.propertyNames()) {
            if (!KEYS.contains(key)) {
                throw new ConfigException(where + ": unknown key '" + key + "' (expected sqlite, or url, user, password)");
            }
        }
        if (!node.has("url")) {
            if (node.has("user") || node.has("password")) {
                throw new ConfigException(where + ": user and password go with url (PostgreSQL); the SQLite store has none");
            }
            return new Sqlite(directory.resolve(node.path("sqlite").asString(DEFAULT_SQLITE)));
        }
        if (node.has("sqlite")) {
            throw new ConfigException(where + ": set sqlite (one node, embedded) or url (PostgreSQL), not both");
        }
        String url = node.path("url").asString("");
        if (!url.startsWith("jdbc:postgresql://")) {
            throw new ConfigException(where + ".url must be a PostgreSQL JDBC URL, jdbc:postgresql://host:5432/database");
        }
        if (url.contains("password=")) {
            throw new ConfigException(where + ".url must not carry the password; set store.password to ${env:…} or ${file:…}");
        }
        String user = node.has("user") ? node.get("user").asString("") : null;
        String password = null;
        if (node.has("password")) {
            password = new SecretReferences(directory, environment, new LinkedHashSet<>())
                    .secret(node.get("password").asString(""), where + ".password", "${env:COUNTERSIGN_DB_PASSWORD}");
        }
        return new Postgres(url, user, password);
    }
}
