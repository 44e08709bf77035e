package io.countersign.identity;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/** The identities in force: a reload swaps in a new, fully validated set in one step, read afresh by every request. */
public final class ActiveIdentities implements Supplier<Identities> {
    private final AtomicReference<Identities> current;

    public ActiveIdentities(Identities initial) {
        this.current = new AtomicReference<>(initial);
    }

    @Override
    public Identities get() {
        return current.get();
    }

    /** @return the identities it replaced */
    public Identities activate(Identities next) {
        return current.getAndSet(next);
    }
}
