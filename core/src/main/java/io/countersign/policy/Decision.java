package io.countersign.policy;

import java.util.List;

/**
 * What policy says about one action request. A sealed type, so every {@code switch} over a decision
 * handles every outcome.
 */
public sealed interface Decision permits Allow, Deny, RequireApproval {
    /** Ids of every rule that matched, in policy order; empty when the policy default applied. */
    List<String> rules();

    /** Compliance control ids of the matched rules ({@code soc2:CC8.1}). */
    List<String> controls();

    /** Content hash of the policy that decided. */
    PolicyVersion version();

    /**
     * How long a grant to run the action lives, as the matched rules say ({@code grant_ttl}: the shortest),
     * or null for the server's default.
     */
    default java.time.Duration grantTtl() {
        return null;
    }

    default String effect() {
        return switch (this) {
            case Allow a -> "allow";
            case Deny d -> "deny";
            case RequireApproval r -> "require_approval";
        };
    }
}
