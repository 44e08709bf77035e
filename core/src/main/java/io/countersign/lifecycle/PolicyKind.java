package io.countersign.lifecycle;

import io.countersign.events.AuditEvent;
import io.countersign.events.EventType;
import io.countersign.policy.ActivePolicy;
import io.countersign.policy.Policy;
import java.util.List;
import java.util.function.Supplier;

/** The policy directory, as {@link Reloader} activates it: pending requests are put before a new policy. */
public record PolicyKind(Supplier<Policy> loader, ActivePolicy active, ActionService actions) implements Reloader.Kind<Policy> {
    @Override
    public String name() {
        return "policy";
    }

    @Override
    public Policy load() {
        return loader.get();
    }

    @Override
    public Policy current() {
        return active.current();
    }

    @Override
    public void activate(Policy next) {
        active.activate(next);
    }

    @Override
    public String version(Policy policy) {
        return policy.version().value();
    }

    @Override
    public AuditEvent loaded(Policy policy, String previousVersion, String trigger) {
        return new AuditEvent.PolicyLoaded(policy.version().value(), previousVersion, trigger, policy.rules().size(), policy.files());
    }

    @Override
    public AuditEvent rejected(String trigger, String activeVersion, List<String> problems) {
        return new AuditEvent.PolicyRejected(trigger, activeVersion, problems);
    }

    @Override
    public EventType loadedType() {
        return EventType.POLICY_LOADED;
    }

    @Override
    public EventType rejectedType() {
        return EventType.POLICY_REJECTED;
    }

    @Override
    public String versionOf(AuditEvent loaded) {
        return loaded instanceof AuditEvent.PolicyLoaded e ? e.version() : null;
    }

    @Override
    public void activated(Policy policy) {
        actions.reevaluatePending(policy);
    }
}
