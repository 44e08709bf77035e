package io.countersign.store;

import java.time.Instant;
import java.util.List;

/**
 * What each node of a cluster runs on, as it last said: the versions of its policy, identities and resource
 * inventory, so that an operator sees a node whose files lag behind the others'.
 */
public interface NodeStatusStore {
    /** One node's report. */
    record NodeStatus(String node, boolean leads, String policyVersion, String identitiesVersion, String inventoryVersion, Instant seenAt) {
    }

    /** Records this node's report, replacing its last. */
    void report(NodeStatus status);

    /** Every node's last report, by node name. */
    List<NodeStatus> nodes();
}
