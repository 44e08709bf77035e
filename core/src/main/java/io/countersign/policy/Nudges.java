package io.countersign.policy;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What keeps a held request from rotting in an inbox: after {@code remindAfter} in a stage its reviewers are
 * asked again, after {@code escalateAfter} the {@code escalateTo} groups join the stage. Each happens once per
 * stage; {@code reminded} and {@code escalated} count the stages they happened in, so the decision a request is
 * held under says what has been done.
 *
 * @param remindAfter   null for no reminder
 * @param escalateAfter null for no escalation
 */
public record Nudges(Duration remindAfter, Duration escalateAfter, List<String> escalateTo, int reminded, int escalated) {
    public Nudges {
        escalateTo = List.copyOf(escalateTo);
    }

    public static Nudges of(Duration remindAfter, Duration escalateAfter, List<String> escalateTo) {
        return remindAfter == null && escalateAfter == null ? null : new Nudges(remindAfter, escalateAfter, escalateTo, 0, 0);
    }

    /** Several rules' nudges together: the sooner of each, every group escalated to. */
    static Nudges combine(List<Nudges> each) {
        Duration remind = null;
        Duration escalate = null;
        Set<String> to = new LinkedHashSet<>();
        for (Nudges n : each) {
            if (n == null) {
                continue;
            }
            remind = RequireApproval.shorterGrantTtl(remind, n.remindAfter());
            escalate = RequireApproval.shorterGrantTtl(escalate, n.escalateAfter());
            to.addAll(n.escalateTo());
        }
        return of(remind, escalate, List.copyOf(to));
    }

    Nudges remindedThrough(int stages) {
        return new Nudges(remindAfter, escalateAfter, escalateTo, stages, escalated);
    }

    Nudges escalatedThrough(int stages) {
        return new Nudges(remindAfter, escalateAfter, escalateTo, reminded, stages);
    }
}
