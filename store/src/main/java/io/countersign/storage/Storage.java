package io.countersign.storage;

import io.countersign.audit.AuditLogStore;
import io.countersign.audit.LogCursors;
import io.countersign.events.EventStore;
import io.countersign.lifecycle.ActionStore;
import io.countersign.store.CallbackStore;
import io.countersign.store.ChatMessageStore;
import io.countersign.store.ReplayStore;
import io.countersign.store.NodeStatusStore;
import io.countersign.store.SessionStore;
import io.countersign.store.SignInStore;
import io.countersign.store.ToolPinStore;
import io.countersign.store.WebhookStore;

/**
 * One node's store as the wiring holds it: every port Countersign's parts need, over one database (SQLite
 * or PostgreSQL). The wiring hands each part only the port it uses ({@link ActionStore} to the lifecycle,
 * {@link EventStore} to the reloaders, {@link AuditLogStore} to the log, ...), never the whole.
 */
public interface Storage extends ActionStore, EventStore, AutoCloseable {
    /** The audit log these writes append to. */
    AuditLogStore auditLog();

    /** Delivery state of outbound webhooks, and where each follower of the log stands. */
    WebhookStore webhooks();

    /** Where each follower of the audit log stands (webhook endpoints, callbacks, review channels). */
    default LogCursors cursors() {
        return webhooks();
    }

    /** Where review requests were posted in chat. */
    ChatMessageStore chatMessages();

    /** What chat channels have already taken, so that a replayed message counts once on any node. */
    ReplayStore replays();

    /** Console sign-in sessions, shared by every node. */
    SessionStore sessions();

    /** Single sign-ons under way, so that the identity provider may return to any node. */
    SignInStore signIns();

    /** What each node last said it runs on. */
    NodeStatusStore nodes();

    /** Callbacks to agents, queued per destination. */
    CallbackStore callbacks();

    /** The MCP tool definitions each principal's gateway saw first. */
    ToolPinStore toolPins();

    /**
     * Whether this node runs the cluster's background work now (following the audit log for webhooks
     * and chat, expiry sweeps): exactly one node does at a time, and another takes over when it dies. A
     * single-node store always does.
     */
    default boolean leads() {
        return true;
    }

    /** False once a write could not be made durable; from then on every write is refused until restart. */
    boolean healthy();

    @Override
    void close();
}
