package io.countersign.lifecycle;

import io.countersign.events.AuditEvent;
import io.countersign.events.EventType;
import io.countersign.identity.ActiveIdentities;
import io.countersign.identity.Identities;
import io.countersign.policy.PolicyEngine;
import java.util.List;
import java.util.function.Supplier;

/**
 * The identities file, as {@link Reloader} activates it: every request reads the identities in force, so a
 * revoked key or a removed reviewer stops working with the next request; pending requests are put before the
 * policy again, since their requesters' groups may have changed.
 */
public record IdentitiesKind(Supplier<Identities> loader, ActiveIdentities active, ActionService actions, PolicyEngine policy)
        implements Reloader.Kind<Identities> {
    @Override
    public String name() {
        return "identities";
    }

    @Override
    public Identities load() {
        return loader.get();
    }

    @Override
    public Identities current() {
        return active.get();
    }

    @Override
    public void activate(Identities next) {
        active.activate(next);
    }

    @Override
    public String version(Identities identities) {
        return identities.version();
    }

    @Override
    public AuditEvent loaded(Identities identities, String previousVersion, String trigger) {
        return new AuditEvent.IdentitiesLoaded(identities.version(), previousVersion, trigger, identities.all().size(),
                identities.disabledCount());
    }

    @Override
    public AuditEvent rejected(String trigger, String activeVersion, List<String> problems) {
        return new AuditEvent.IdentitiesRejected(trigger, activeVersion, problems);
    }

    @Override
    public EventType loadedType() {
        return EventType.IDENTITIES_LOADED;
    }

    @Override
    public EventType rejectedType() {
        return EventType.IDENTITIES_REJECTED;
    }

    @Override
    public String versionOf(AuditEvent loaded) {
        return loaded instanceof AuditEvent.IdentitiesLoaded e ? e.version() : null;
    }

    @Override
    public void activated(Identities identities) {
        actions.reevaluatePending(policy);
    }
}
