package io.countersign.identity;

import io.countersign.model.Principal;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The principals Countersign knows, found by id or by API key. Immutable. */
public final class Identities {
    private final Map<String, Principal> byId;
    private final Map<String, Principal> byKeyHash;

    public Identities(Map<String, Principal> byId, Map<String, Principal> byKeyHash) {
        this.byId = Map.copyOf(byId);
        this.byKeyHash = Map.copyOf(byKeyHash);
    }

    public Optional<Principal> byId(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Authenticates a presented bearer key. */
    public Optional<Principal> byApiKey(String key) {
        return key == null || key.isEmpty() ? Optional.empty() : Optional.ofNullable(byKeyHash.get(ApiKeys.hash(key)));
    }

    public Collection<Principal> all() {
        return byId.values();
    }

    /** Every reviewer group any principal belongs to. */
    public Set<String> groups() {
        Set<String> groups = new TreeSet<>();
        byId.values().forEach(p -> groups.addAll(p.groups()));
        return groups;
    }
}
