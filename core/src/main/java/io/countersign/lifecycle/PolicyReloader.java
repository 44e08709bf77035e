package io.countersign.lifecycle;

import io.countersign.events.ActionEvent;
import io.countersign.events.AuditEvent;
import io.countersign.events.EventStore;
import io.countersign.events.EventType;
import io.countersign.policy.ActivePolicy;
import io.countersign.policy.Policy;
import io.countersign.policy.PolicyException;
import io.countersign.policy.PolicyProblem;
import io.countersign.policy.PolicyVersion;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Activates a changed policy: loads it, and only if it is valid swaps it in, records {@code policy.loaded}
 * and puts every pending request before it. A policy that fails validation is recorded as
 * {@code policy.rejected} and the one in force stays (fail closed).
 */
public final class PolicyReloader {
    private static final System.Logger LOG = System.getLogger(PolicyReloader.class.getName());

    /** What a reload did. */
    public sealed interface Result {
        /** @param pending how the pending requests came out, outcome to count */
        record Activated(PolicyVersion version, PolicyVersion previous, List<String> files, Map<String, Integer> pending)
                implements Result {
        }

        /** The files changed in no way that matters: same content hash. */
        record Unchanged(PolicyVersion version) implements Result {
        }

        record Rejected(List<PolicyProblem> problems) implements Result {
        }
    }

    private final Supplier<Policy> loader;
    private final ActivePolicy active;
    private final ActionService actions;
    private final EventStore store;
    private final Clock clock;

    /** @param loader reads the policy directory anew; throws {@link PolicyException} when it is invalid */
    public PolicyReloader(Supplier<Policy> loader, ActivePolicy active, ActionService actions, EventStore store, Clock clock) {
        this.loader = loader;
        this.active = active;
        this.actions = actions;
        this.store = store;
        this.clock = clock;
    }

    /**
     * Records the policy a node started with, unless it is the version recorded last, and puts pending
     * requests before it (the files may have changed while no node was running).
     */
    public synchronized void started() {
        Policy policy = active.current();
        List<ActionEvent> last = store.recentSystemEvents(EventType.POLICY_LOADED, 1);
        String lastVersion = last.isEmpty() || !(last.getFirst().event() instanceof AuditEvent.PolicyLoaded loaded) ? null : loaded.version();
        if (policy.version().value().equals(lastVersion)) {
            return;
        }
        store.append(List.of(loaded(policy, lastVersion, "startup")));
        actions.reevaluatePending(policy);
    }

    public synchronized Result reload(String trigger) {
        Policy next;
        try {
            next = loader.get();
        } catch (PolicyException e) {
            LOG.log(Level.ERROR, "policy change rejected, version {0} stays active ({1}):\n{2}",
                    active.version(), trigger, e.getMessage());
            store.append(List.of(event(new AuditEvent.PolicyRejected(trigger, active.version().value(),
                    e.problems().stream().map(Object::toString).toList()))));
            return new Result.Rejected(e.problems());
        }
        if (next.version().equals(active.version())) {
            return new Result.Unchanged(next.version());
        }
        Policy previous = active.current();
        store.append(List.of(loaded(next, previous.version().value(), trigger)));
        active.activate(next);
        ActionService.Reevaluation pending = actions.reevaluatePending(next);
        LOG.log(Level.INFO, "policy {0} active ({1} rules, {2}); pending requests: {3}",
                next.version(), next.rules().size(), trigger, pending.outcomes());
        return new Result.Activated(next.version(), previous.version(), next.files(), pending.outcomes());
    }

    /** Loads and rejected loads, newest first. */
    public List<ActionEvent> history(int limit) {
        List<ActionEvent> events = new java.util.ArrayList<>(store.recentSystemEvents(EventType.POLICY_LOADED, limit));
        events.addAll(store.recentSystemEvents(EventType.POLICY_REJECTED, limit));
        events.sort(java.util.Comparator.comparing(ActionEvent::at).reversed());
        return events.size() > limit ? List.copyOf(events.subList(0, limit)) : List.copyOf(events);
    }

    private ActionEvent loaded(Policy policy, String previousVersion, String trigger) {
        return event(new AuditEvent.PolicyLoaded(policy.version().value(), previousVersion, trigger, policy.rules().size(), policy.files()));
    }

    private ActionEvent event(AuditEvent event) {
        return new ActionEvent(null, ActionEvent.SYSTEM, clock.instant().truncatedTo(ChronoUnit.MILLIS), event);
    }
}
