package io.countersign.policy;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What keeps a held request from rotting in an inbox: after {@code remindAfter} in a stage its reviewers are
 * asked again, after {@code escalateAfter} the {@code escalateTo} groups join the stage. Each happens once per
 * stage; {@code reminded} and {@code escalated} count the stages they happened in, so the decision a request is
 * held under says what has been done. With {@code notifyRequester}, the humans behind the request hear of each
 * review as it comes, not only of how it ended.
 *
 * @param remindAfter   null for no reminder
 * @param escalateAfter null for no escalation
 */
public record Nudges(Duration remindAfter, Duration escalateAfter, List<String> escalateTo, boolean notifyRequester, int reminded,
                     int escalated) {
    public Nudges {
        escalateTo = List.copyOf(escalateTo);
    }

    public static Nudges of(Duration remindAfter, Duration escalateAfter, List<String> escalateTo) {
        return of(remindAfter, escalateAfter, escalateTo, false);
    }

    public static Nudges of(Duration remindAfter, Duration escalateAfter, List<String> escalateTo, boolean notifyRequester) {
        return remindAfter == null && escalateAfter == null && !notifyRequester ? null
                : new Nudges(remindAfter, escalateAfter, escalateTo, notifyRequester, 0, 0);
    }

    /** Several rules' nudges together: the sooner of each, every group escalated to. */
    static Nudges combine(List<Nudges> each) {
        Duration remind = null;
        Duration escalate = null;
        Set<String> to = new LinkedHashSet<>();
        boolean notify = false;
        for (Nudges n : each) {
            if (n == null) {
                continue;
            }
            remind = RequireApproval.shorterGrantTtl(remind, n.remindAfter());
            escalate = RequireApproval.shorterGrantTtl(escalate, n.escalateAfter());
            to.addAll(n.escalateTo());
            notify |= n.notifyRequester();
        }
        return of(remind, escalate, List.copyOf(to), notify);
    }

    Nudges remindedThrough(int stages) {
        return new Nudges(remindAfter, escalateAfter, escalateTo, notifyRequester, stages, escalated);
    }

    Nudges escalatedThrough(int stages) {
        return new Nudges(remindAfter, escalateAfter, escalateTo, notifyRequester, reminded, stages);
    }
}
