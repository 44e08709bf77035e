package io.countersign.inventory;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/** The inventory in force: a reload swaps in a new, fully validated one in one step. */
public final class ActiveInventory implements Supplier<Inventory> {
    private final AtomicReference<Inventory> current;

    public ActiveInventory(Inventory initial) {
        this.current = new AtomicReference<>(initial);
    }

    @Override
    public Inventory get() {
        return current.get();
    }

    /** @return the inventory it replaced */
    public Inventory activate(Inventory next) {
        return current.getAndSet(next);
    }
}
