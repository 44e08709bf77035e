package io.countersign.store.jdbc;

import io.countersign.lifecycle.ActionRecord;
import io.countersign.model.ActionId;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The actions read or written lately, newest version of each, for a store that no other process writes
 * (SQLite, which one node holds): reading one back then needs no query. That is the common case, not a
 * rare one: a gate's outcome report reads the action decided a moment before, a long poll the action it
 * waits on. On SQLite such a read is never cheap, since every commit empties the page cache of every
 * reading connection: 58 µs of CPU and seven {@code pread} calls, against 1 µs at hand.
 *
 * <p>It holds only committed versions, and never one older than what another thread can already read:
 * while an action is being written it is not served from here at all (a thread woken by the commit, a
 * follower of the audit log say, must not see the version before it), and after the write it holds the
 * version written, or nothing if the write failed. Of two versions of one action it keeps the later,
 * whatever order they arrive in.
 */
final class RecentActions {
    private final Map<ActionId, ActionRecord> records;
    /** Actions being written now, and by how many writes: read from the database until these end. */
    private final Map<ActionId, Integer> writing = new HashMap<>();

    RecentActions(int capacity) {
        // Access order: the action least lately read or written goes first.
        this.records = new LinkedHashMap<>(capacity * 4 / 3 + 1, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ActionId, ActionRecord> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The action as last committed, or empty: not held, or being written now. */
    synchronized Optional<ActionRecord> find(ActionId id) {
        return writing.containsKey(id) ? Optional.empty() : Optional.ofNullable(records.get(id));
    }

    /** Remembers {@code record}, a committed version, unless a later version is remembered already. */
    synchronized void remember(ActionRecord record) {
        records.merge(record.id(), record, (held, given) -> given.version() >= held.version() ? given : held);
    }

    /** A write of action {@code id} begins; until it ends, reads of it go to the database. */
    synchronized void writing(ActionId id) {
        writing.merge(id, 1, Integer::sum);
    }

    /**
     * The write of action {@code id} that began with {@link #writing} ended: {@code committed} is the version it
     * stored, or null when it stored nothing (it failed, or found the action changed), so that what is held of it
     * may be older than what is stored.
     */
    synchronized void written(ActionId id, ActionRecord committed) {
        writing.computeIfPresent(id, (key, count) -> count == 1 ? null : count - 1);
        if (committed != null) {
            remember(committed);
        } else {
            records.remove(id);
        }
    }
}
