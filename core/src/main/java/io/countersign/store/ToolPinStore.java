package io.countersign.store;

import java.time.Instant;
import java.util.Map;

/**
 * The MCP tool definitions each principal's gateway saw first, by upstream server and tool: a pin that
 * outlives the agent's session, so that a tool that changes between sessions (a "rug pull") is still
 * told from the one first used.
 */
public interface ToolPinStore {
    /** A tool's pinned fingerprint and when it was first seen. */
    record Pin(String fingerprint, Instant firstSeen) {
    }

    /**
     * Pins the tools not pinned yet for {@code principal} and {@code server}, and answers every given tool's pin
     * (the one it had when first seen, which may differ from the one given).
     */
    Map<String, Pin> pin(String principal, String server, Map<String, String> fingerprints, Instant now);

    /** Forgets pins (an admin accepts a tool's new definition); null {@code tool} is every tool of the server. @return how many */
    int unpin(String principal, String server, String tool);
}
