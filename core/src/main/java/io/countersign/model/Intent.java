package io.countersign.model;

import java.util.Objects;

/**
 * Why the caller says it wants to act. This text is written by the requester (often an AI agent);
 * it is evidence of what was claimed, never proof, and must be shown to reviewers as "stated by the agent".
 *
 * @param summary one line: what and why (required)
 * @param reason  longer justification, or null
 * @param ticket  change or incident reference, or null
 */
public record Intent(String summary, String reason, String ticket) {
    public Intent {
        Objects.requireNonNull(summary, "summary");
    }
}
