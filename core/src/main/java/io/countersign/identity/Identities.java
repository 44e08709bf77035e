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
    private final Map<ChatAccount, Principal> byAccount;

    /** A human's account in a chat system: {@code slack} user id, {@code teams} AAD object id. */
    public record ChatAccount(String system, String id) {
    }

    public Identities(Map<String, Principal> byId, Map<String, Principal> byKeyHash) {
        this(byId, byKeyHash, Map.of());
    }

    public Identities(Map<String, Principal> byId, Map<String, Principal> byKeyHash, Map<ChatAccount, Principal> byAccount) {
        this.byId = Map.copyOf(byId);
        this.byKeyHash = Map.copyOf(byKeyHash);
        this.byAccount = Map.copyOf(byAccount);
    }

    /**
     * The human a chat account belongs to, as provisioned in the identities file (by an admin or the IdP);
     * never what the chat user says of themselves.
     */
    public Optional<Principal> byAccount(String system, String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(byAccount.get(new ChatAccount(system, id)));
    }

    /** The chat account of a principal in a system, if one is provisioned. */
    public Optional<String> account(String principalId, String system) {
        return byAccount.entrySet().stream()
                .filter(e -> e.getKey().system().equals(system) && e.getValue().id().equals(principalId))
                .map(e -> e.getKey().id()).findFirst();
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
