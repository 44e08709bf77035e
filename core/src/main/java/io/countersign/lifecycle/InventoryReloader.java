package io.countersign.lifecycle;

import io.countersign.events.ActionEvent;
import io.countersign.events.AuditEvent;
import io.countersign.events.EventStore;
import io.countersign.events.EventType;
import io.countersign.inventory.ActiveInventory;
import io.countersign.inventory.Inventory;
import io.countersign.inventory.InventoryException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Supplier;

/**
 * Activates a changed resource inventory as policy is activated: only a valid one is swapped in, with
 * {@code inventory.loaded} in the log and every pending request put before the policy again (its resource's
 * facts may have changed); an invalid one is recorded as {@code inventory.rejected} and the one in force stays.
 */
public final class InventoryReloader {
    private static final System.Logger LOG = System.getLogger(InventoryReloader.class.getName());

    /** What a reload did: the version now in force, whether it changed, and the problems of a rejected file. */
    public record Result(String version, boolean changed, List<String> problems) {
        public boolean rejected() {
            return !problems.isEmpty();
        }
    }

    private final Supplier<Inventory> loader;
    private final ActiveInventory active;
    private final ActionService actions;
    private final io.countersign.policy.PolicyEngine policy;
    private final EventStore store;
    private final Clock clock;

    /** @param loader reads the inventory file anew; throws {@link InventoryException} when it is invalid */
    public InventoryReloader(Supplier<Inventory> loader, ActiveInventory active, ActionService actions,
                             io.countersign.policy.PolicyEngine policy, EventStore store, Clock clock) {
        this.loader = loader;
        this.active = active;
        this.actions = actions;
        this.policy = policy;
        this.store = store;
        this.clock = clock;
    }

    /** Records the inventory a node started with, unless it is the one recorded last. */
    public synchronized void started() {
        Inventory inventory = active.get();
        List<ActionEvent> last = store.recentSystemEvents(EventType.INVENTORY_LOADED, 1);
        String lastVersion = last.isEmpty() || !(last.getFirst().event() instanceof AuditEvent.InventoryLoaded loaded) ? null : loaded.version();
        if (inventory.version().equals(lastVersion) || (lastVersion == null && inventory == Inventory.EMPTY)) {
            return;
        }
        store.append(List.of(loaded(inventory, lastVersion, "startup")));
        actions.reevaluatePending(policy);
    }

    public synchronized Result reload(String trigger) {
        Inventory next;
        try {
            next = loader.get();
        } catch (InventoryException e) {
            LOG.log(Level.ERROR, "resource inventory change rejected, version {0} stays ({1}):\n{2}", active.get().version(), trigger, e.getMessage());
            store.append(List.of(event(new AuditEvent.InventoryRejected(trigger, active.get().version(),
                    e.problems().stream().map(Object::toString).toList()))));
            return new Result(active.get().version(), false, e.problems().stream().map(Object::toString).toList());
        }
        if (next.version().equals(active.get().version())) {
            return new Result(next.version(), false, List.of());
        }
        Inventory previous = active.get();
        store.append(List.of(loaded(next, previous.version(), trigger)));
        active.activate(next);
        ActionService.Reevaluation pending = actions.reevaluatePending(policy);
        LOG.log(Level.INFO, "resource inventory {0} active ({1} entries, {2}); pending requests: {3}",
                next.version(), next.entries().size(), trigger, pending.outcomes());
        return new Result(next.version(), true, List.of());
    }

    private ActionEvent loaded(Inventory inventory, String previousVersion, String trigger) {
        return event(new AuditEvent.InventoryLoaded(inventory.version(), previousVersion, trigger, inventory.entries().size()));
    }

    private ActionEvent event(AuditEvent event) {
        return new ActionEvent(null, ActionEvent.SYSTEM, clock.instant().truncatedTo(ChronoUnit.MILLIS), event);
    }
}
