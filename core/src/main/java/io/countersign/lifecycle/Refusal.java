package io.countersign.lifecycle;

/** Why the lifecycle refused a change. Each has a stable code that clients can act on. */
public enum Refusal {
    NOT_PENDING("not_pending"),
    EXPIRED("expired"),
    NOT_HUMAN("not_human"),
    SELF_REVIEW("self_review"),
    NOT_ELIGIBLE("not_eligible"),
    /** Break-glass is for humans with the admin role only. */
    NOT_ADMIN("not_admin"),
    /** A review after the fact is only for a request on which glass was broken. */
    NO_BREAK_GLASS("no_break_glass"),
    ALREADY_REVIEWED("already_reviewed"),
    JUSTIFICATION_REQUIRED("justification_required"),
    /** The same, for break-glass: its justification (not a review comment) is missing or too short. */
    BREAK_GLASS_JUSTIFICATION_REQUIRED("justification_required"),
    NOT_REQUESTER("not_requester"),
    NOT_DUE("not_due"),
    UNCHANGED("unchanged"),
    /** The action was already run with a grant; grants are single-use. */
    GRANT_USED("grant_used"),
    /** Only allowed or approved actions can be run. */
    NOT_RUNNABLE("not_runnable"),
    OUTCOME_RECORDED("outcome_recorded"),
    /** The policy in force now denies the action, or asks for approvals it does not have: it may not run. */
    NO_LONGER_ALLOWED("no_longer_allowed"),
    /** The action was approved but not run within the approval's window ({@code approval_ttl}); it must be asked for again. */
    APPROVAL_EXPIRED("approval_expired"),
    /** Break-glass on a request the admin is behind (requester, agent's owner, the human it acts for). */
    SELF_BREAK_GLASS("self_break_glass"),
    /** A rule that holds the request forbids break-glass ({@code break_glass: false}). */
    BREAK_GLASS_FORBIDDEN("break_glass_forbidden");

    private final String code;

    Refusal(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
