package io.countersign.model;

import java.util.Objects;
import java.util.Set;

/**
 * Who acts. Agents and services act by API key or workload token; humans are provisioned by an admin
 * or the IdP, never self-declared.
 *
 * @param email  for humans, the address an agent may name in {@code on_behalf_of}; null otherwise
 * @param groups reviewer groups (humans); policy names these in {@code approvals.from}
 * @param owner  for agents and services, the id of the human responsible for it; that human may never review its requests
 * @param roles  what else a human is, beyond reviewing for their groups: an {@link Role#AUDITOR} reads and never reviews;
 *               an {@link Role#ADMIN} may break glass
 */
public record Principal(String id, Kind kind, String name, String email, Set<String> groups, String owner, Set<Role> roles) {
    /**
     * Roles of humans. No role exempts anyone from the review rules: an admin's review counts like anyone
     * else's and never on their own requests; what an admin has besides is break-glass, its own audited path.
     */
    public enum Role {
        /** Reads every request, the audit log, policy and reports, and never reviews (separation of duties). */
        AUDITOR,
        /**
         * May break glass: let one pending request run without its approvals, in an emergency, with a written
         * justification that goes into the log, and that other people review afterwards.
         */
        ADMIN;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public enum Kind {
        AGENT, HUMAN, SERVICE;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Principal {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        groups = groups == null ? Set.of() : Set.copyOf(groups);
        roles = roles == null ? Set.of() : Set.copyOf(roles);
        name = name == null ? id : name;
    }

    public Principal(String id, Kind kind, String name, String email, Set<String> groups, String owner) {
        this(id, kind, name, email, groups, owner, Set.of());
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }

    public boolean isHuman() {
        return kind == Kind.HUMAN;
    }

    /** True when {@code reference} (an id or an e-mail address, as agents write them) names this principal. */
    public boolean isNamedBy(String reference) {
        return reference != null && (reference.equals(id) || (email != null && reference.equalsIgnoreCase(email)));
    }
}
