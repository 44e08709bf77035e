package io.countersign.policy;

import java.time.Duration;
import java.util.List;

/**
 * One compiled rule. Obligations ({@code approvals}, {@code ttl}, {@code justification}) are already
 * resolved against the file's defaults at load time.
 *
 * @param line           where the rule starts in {@code file}
 * @param require        condition the request must meet when this rule matches, or null
 * @param requireMessage what to tell the caller when {@code require} is false
 * @param reason         for deny rules, what the caller is told
 * @param grantTtl       how long a grant to run a matched action lives ({@code grant_ttl}), or null for the server's default
 * @param relaxPending   whether a reload that relaxes this rule settles requests already pending under
 *                       stricter terms ({@code relax_pending: approve}); by default they stay pending
 * @param approvalTtl    how long an approval under this rule stands before the action must have run
 *                       ({@code approval_ttl}, resolved against the defaults)
 * @param breakGlass     whether an admin may break glass on a request this rule holds ({@code break_glass: false}
 *                       forbids it)
 * @param anyOnBehalfOf  whether a request this rule matches may name in {@code context.on_behalf_of} someone the
 *                       identities file does not know ({@code on_behalf_of: any}); by default it is refused
 * @param stages         the rule's reviewers as stages ({@code approvals} given as a list), or null for one stage
 *                       of {@code minApprovals} from {@code approvers}
 * @param nudges         {@code remind_after}, {@code escalate_after} and {@code escalate_to}, or null
 */
public record Rule(String id, String description, String file, int line, CelCondition when, Effect effect,
                   int minApprovals, List<String> approvers, boolean anyDenyEnds,
                   CelCondition require, String requireMessage, Duration ttl, Justification justification,
                   List<String> channels, List<String> controls, String reason, boolean relaxPending,
                   Duration grantTtl, Duration approvalTtl, boolean breakGlass, boolean anyOnBehalfOf,
                   List<ApprovalRequirement> stages, Nudges nudges) {
    /** What this rule demands of reviewers: its stages, or one requirement of {@code minApprovals} from {@code approvers}. */
    public List<ApprovalRequirement> requirements() {
        return stages != null ? stages : List.of(new ApprovalRequirement(id, minApprovals, java.util.Set.copyOf(approvers)));
    }
}
