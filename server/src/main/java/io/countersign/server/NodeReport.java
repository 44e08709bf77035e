package io.countersign.server;

import io.countersign.identity.Identities;
import io.countersign.inventory.Inventory;
import io.countersign.lifecycle.Reloader;
import io.countersign.policy.ActivePolicy;
import io.countersign.store.NodeStatusStore;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What this node says it runs on, for {@code GET /v1/status}: the versions of its policy, identities and
 * inventory, whether it leads, and when it last said so. Sent every few seconds and at once after a reload,
 * so that a node whose files lag (or that stopped) shows.
 */
final class NodeReport {
    static final Duration PERIOD = Duration.ofSeconds(2);

    private final NodeStatusStore nodes;
    private final String node;
    private final BooleanSupplier leads;
    private final ActivePolicy policy;
    private final Supplier<Identities> identities;
    private final Supplier<Inventory> inventory;
    private final Clock clock;

    NodeReport(NodeStatusStore nodes, String node, BooleanSupplier leads, ActivePolicy policy, Supplier<Identities> identities,
               Supplier<Inventory> inventory, Clock clock) {
        this.nodes = nodes;
        this.node = node;
        this.leads = leads;
        this.policy = policy;
        this.identities = identities;
        this.inventory = inventory;
        this.clock = clock;
    }

    void send() {
        nodes.report(new NodeStatusStore.NodeStatus(node, leads.getAsBoolean(), policy.version().value(), identities.get().version(),
                inventory.get().version(), clock.instant()));
    }

    /** Sends the report after {@code reload} activated something; returns what it did. */
    Reloader.Result after(Reloader.Result reload) {
        if (reload instanceof Reloader.Result.Activated) {
            send();
        }
        return reload;
    }
}
