package io.countersign.lifecycle;

import io.countersign.events.AuditEvent;
import io.countersign.events.EventType;
import io.countersign.inventory.ActiveInventory;
import io.countersign.inventory.Inventory;
import io.countersign.policy.PolicyEngine;
import java.util.List;
import java.util.function.Supplier;

/**
 * The resource inventory, as {@link Reloader} activates it: pending requests are put before the policy again,
 * since their resources' facts may have changed. A node without an inventory file records nothing at start.
 */
public record InventoryKind(Supplier<Inventory> loader, ActiveInventory active, ActionService actions, PolicyEngine policy)
        implements Reloader.Kind<Inventory> {
    @Override
    public String name() {
        return "resource inventory";
    }

    @Override
    public Inventory load() {
        return loader.get();
    }

    @Override
    public Inventory current() {
        return active.get();
    }

    @Override
    public void activate(Inventory next) {
        active.activate(next);
    }

    @Override
    public String version(Inventory inventory) {
        return inventory.version();
    }

    @Override
    public AuditEvent loaded(Inventory inventory, String previousVersion, String trigger) {
        return new AuditEvent.InventoryLoaded(inventory.version(), previousVersion, trigger, inventory.entries().size());
    }

    @Override
    public AuditEvent rejected(String trigger, String activeVersion, List<String> problems) {
        return new AuditEvent.InventoryRejected(trigger, activeVersion, problems);
    }

    @Override
    public EventType loadedType() {
        return EventType.INVENTORY_LOADED;
    }

    @Override
    public EventType rejectedType() {
        return EventType.INVENTORY_REJECTED;
    }

    @Override
    public String versionOf(AuditEvent loaded) {
        return loaded instanceof AuditEvent.InventoryLoaded e ? e.version() : null;
    }

    @Override
    public void activated(Inventory inventory) {
        actions.reevaluatePending(policy);
    }

    @Override
    public boolean unrecordedAtStart(Inventory inventory) {
        return inventory == Inventory.EMPTY;
    }
}
