package io.countersign.identity;

import io.countersign.model.Principal;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The principals Countersign knows, found by id, API key, chat or sign-in account, or e-mail address. Immutable:
 * a reload of the identities file swaps in a whole new one. A disabled principal is known only as disabled:
 * no key, account or address finds it.
 */
public final class Identities {
    /** An empty set of identities, for tools that run without a file. */
    public static final Identities NONE = new Identities(Map.of(), Map.of(), Map.of(), Set.of(), "none");

    private final Map<String, Principal> byId;
    private final Map<String, Key> byKeyHash;
    private final Map<Account, Principal> byAccount;
    private final Set<String> disabled;
    private final String version;

    /**
     * A principal's account elsewhere: {@code slack} user id, {@code teams} AAD object id, or {@code oidc}
     * {@code <issuer>|<subject>} of the identity provider.
     */
    public record Account(String system, String id) {
    }

    /** An API key's holder, and when the key stops working (null: never). */
    public record Key(Principal principal, Instant expires) {
        public boolean validAt(Instant now) {
            return expires == null || now.isBefore(expires);
        }
    }

    public Identities(Map<String, Principal> byId, Map<String, Key> byKeyHash, Map<Account, Principal> byAccount, Set<String> disabled,
                      String version) {
        this.byId = Map.copyOf(byId);
        this.byKeyHash = Map.copyOf(byKeyHash);
        this.byAccount = Map.copyOf(byAccount);
        this.disabled = Set.copyOf(disabled);
        this.version = version;
    }

    /** For tests and tools: these principals, each with the keys whose hashes are given, none expiring. */
    public static Identities of(Map<String, Principal> byId, Map<String, Principal> byKeyHash) {
        Map<String, Key> keys = new java.util.HashMap<>();
        byKeyHash.forEach((hash, principal) -> keys.put(hash, new Key(principal, null)));
        return new Identities(byId, keys, Map.of(), Set.of(), "none");
    }

    /** {@code sha256:} of the identities file, or {@code none}. */
    public String version() {
        return version;
    }

    /**
     * The human an account belongs to, as provisioned in the identities file (by an admin or the IdP);
     * never what the chat user or the token says of themselves.
     */
    public Optional<Principal> byAccount(String system, String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(byAccount.get(new Account(system, id)));
    }

    /** The account of a principal in a system, if one is provisioned. */
    public Optional<String> account(String principalId, String system) {
        return byAccount.entrySet().stream()
                .filter(e -> e.getKey().system().equals(system) && e.getValue().id().equals(principalId))
                .map(e -> e.getKey().id()).findFirst();
    }

    public Optional<Principal> byId(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** How many principals the file lists as disabled. */
    public int disabledCount() {
        return disabled.size();
    }

    /** Whether the file names this principal with {@code disabled: true}. */
    public boolean isDisabled(String id) {
        return disabled.contains(id);
    }

    /** Authenticates a presented bearer key: its holder, while the key has not expired. */
    public Optional<Principal> byApiKey(String key, Instant now) {
        if (key == null || key.isEmpty()) {
            return Optional.empty();
        }
        Key known = byKeyHash.get(ApiKeys.hash(key));
        return known != null && known.validAt(now) ? Optional.of(known.principal()) : Optional.empty();
    }

    /**
     * The human with this e-mail address, compared as {@link Emails} says; a human whose sign-in subject is
     * pinned ({@code accounts: {oidc: ...}}) is found by that subject only, never by address.
     */
    public Optional<Principal> byEmail(String email, Emails.LocalPart localPart) {
        String wanted = Emails.normalize(email, localPart);
        if (wanted == null) {
            return Optional.empty();
        }
        return byId.values().stream()
                .filter(p -> p.isHuman() && wanted.equals(Emails.normalize(p.email(), localPart)))
                .filter(p -> account(p.id(), "oidc").isEmpty())
                .findFirst();
    }

    /**
     * The human an agent names in {@code on_behalf_of}: by id, or by e-mail address without case (on this
     * path a looser match only ever keeps more people from reviewing, never lets anyone in).
     */
    public Optional<Principal> human(String reference) {
        if (reference == null) {
            return Optional.empty();
        }
        Principal byName = byId.get(reference);
        if (byName != null) {
            return byName.isHuman() ? Optional.of(byName) : Optional.empty();
        }
        String wanted = Emails.normalize(reference, Emails.LocalPart.CASE_INSENSITIVE);
        return wanted == null ? Optional.empty() : byId.values().stream()
                .filter(p -> p.isHuman() && wanted.equals(Emails.normalize(p.email(), Emails.LocalPart.CASE_INSENSITIVE)))
                .findFirst();
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
