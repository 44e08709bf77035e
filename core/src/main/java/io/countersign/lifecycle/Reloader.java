package io.countersign.lifecycle;

import io.countersign.events.ActionEvent;
import io.countersign.events.AuditEvent;
import io.countersign.events.EventStore;
import io.countersign.events.EventType;
import io.countersign.yaml.ConfigException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Activates a changed configuration file (the policy, the resource inventory, the identities) the one way
 * every one of them is activated: read and validated in full; only a valid one is swapped in, in one step,
 * with its {@code *.loaded} entry in the log and whatever follows from it (pending requests put before the
 * policy again); an invalid one is recorded as {@code *.rejected}, with every problem, and the one in force
 * stays (fail closed).
 *
 * @param <T> the configuration
 */
public final class Reloader<T> {
    private static final System.Logger LOG = System.getLogger(Reloader.class.getName());

    /** What one kind of configuration is, to this reloader. */
    public interface Kind<T> {
        /** {@code policy}, {@code inventory}, {@code identities}: for the log. */
        String name();

        /** Reads the file(s) anew. @throws ConfigException listing every problem */
        T load();

        /** The configuration in force. */
        T current();

        /** Puts {@code next} in force. */
        void activate(T next);

        /** Its content hash, {@code sha256:...}. */
        String version(T config);

        /** The entry that records it became active. */
        AuditEvent loaded(T config, String previousVersion, String trigger);

        /** The entry that records a change was refused. */
        AuditEvent rejected(String trigger, String activeVersion, List<String> problems);

        EventType loadedType();

        EventType rejectedType();

        /** The version {@code loaded} recorded, read back from its entry. */
        String versionOf(AuditEvent loaded);

        /** What follows once {@code config} is in force (pending requests put before policy again); nothing by default. */
        default void activated(T config) {
        }

        /** Whether a node that starts with it needs no entry when none was ever recorded (an absent, empty file). */
        default boolean unrecordedAtStart(T config) {
            return false;
        }
    }

    /** What a reload did. */
    public sealed interface Result {
        String version();

        record Activated(String version, String previous) implements Result {
        }

        /** The file changed in no way that matters: same content hash. */
        record Unchanged(String version) implements Result {
        }

        /** @param version the one that stays in force */
        record Rejected(String version, List<String> problems) implements Result {
        }
    }

    private final Kind<T> kind;
    private final EventStore store;
    private final Clock clock;

    public Reloader(Kind<T> kind, EventStore store, Clock clock) {
        this.kind = kind;
        this.store = store;
        this.clock = clock;
    }

    /**
     * Records the configuration a node started with, unless it is the version recorded last, and lets what
     * follows from it happen (the files may have changed while no node was running).
     */
    public synchronized void started() {
        T config = kind.current();
        List<ActionEvent> last = store.recentSystemEvents(kind.loadedType(), 1);
        String lastVersion = last.isEmpty() ? null : kind.versionOf(last.getFirst().event());
        if (kind.version(config).equals(lastVersion) || (lastVersion == null && kind.unrecordedAtStart(config))) {
            return;
        }
        store.append(List.of(event(kind.loaded(config, lastVersion, "startup"))));
        kind.activated(config);
    }

    public synchronized Result reload(String trigger) {
        T next;
        String active = kind.version(kind.current());
        try {
            next = kind.load();
        } catch (ConfigException e) {
            LOG.log(Level.ERROR, "{0} change rejected, version {1} stays in force ({2}):\n{3}", kind.name(), active, trigger, e.getMessage());
            store.append(List.of(event(kind.rejected(trigger, active, e.reasons()))));
            return new Result.Rejected(active, e.reasons());
        }
        String version = kind.version(next);
        if (version.equals(active)) {
            return new Result.Unchanged(version);
        }
        store.append(List.of(event(kind.loaded(next, active, trigger))));
        kind.activate(next);
        kind.activated(next);
        LOG.log(Level.INFO, "{0} {1} in force ({2})", kind.name(), version, trigger);
        return new Result.Activated(version, active);
    }

    /** Loads and refused loads, newest first. */
    public List<ActionEvent> history(int limit) {
        List<ActionEvent> events = new ArrayList<>(store.recentSystemEvents(kind.loadedType(), limit));
        events.addAll(store.recentSystemEvents(kind.rejectedType(), limit));
        events.sort(Comparator.comparing(ActionEvent::at).reversed());
        return events.size() > limit ? List.copyOf(events.subList(0, limit)) : List.copyOf(events);
    }

    private ActionEvent event(AuditEvent event) {
        return new ActionEvent(null, ActionEvent.SYSTEM, clock.instant().truncatedTo(ChronoUnit.MILLIS), event);
    }
}
