package io.countersign.lifecycle;

import io.countersign.events.ActionEvent;
import io.countersign.events.AuditEvent;
import io.countersign.events.EventStore;
import io.countersign.events.EventType;
import io.countersign.identity.Identities;
import io.countersign.model.InvalidInputException;
import io.countersign.model.Principal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Reviews handed over for a while (out of office): a human lets another review for them from one instant to
 * another. The log is the record: each grant and each early end is an entry ({@code delegation.granted},
 * {@code delegation.revoked}), read back to know who may review for whom now, on every node alike. A review
 * under a delegation takes the delegator's one seat ("frank for alice"); whether it may be given is the
 * lifecycle's to say, as for any review.
 */
public final class Delegations {
    /** Longer than this is a change of reviewers, which the identities file says. */
    public static final Duration LONGEST = Duration.ofDays(90);
    /** Delegations read back from the log; far more than are ever in force at once. */
    private static final int REMEMBERED = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration FRESH = Duration.ofSeconds(1);

    private final EventStore events;
    private final Supplier<Identities> identities;
    private final Clock clock;
    private volatile Read read;

    /** What the log said at {@code at}. */
    private record Read(Instant at, List<Delegation> delegations) {
    }

    public Delegations(EventStore events, Supplier<Identities> identities, Clock clock) {
        this.events = events;
        this.identities = identities;
        this.clock = clock;
    }

    /** One delegation: {@code to} may review for {@code from} in {@code [starts, ends)}. */
    public record Delegation(String id, String from, String to, Instant starts, Instant ends, String reason) {
        public boolean inForceAt(Instant at) {
            return !at.isBefore(starts) && at.isBefore(ends);
        }
    }

    /**
     * {@code from} hands their reviews to {@code to} for {@code [starts, ends)}; {@code starts} null for now.
     *
     * @throws LifecycleException   when {@code from} is not a human who reviews
     * @throws InvalidInputException naming the field that is wrong
     */
    public Delegation grant(Principal from, String to, Instant starts, Instant ends, String reason) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        if (!from.isHuman() || from.has(Principal.Role.AUDITOR)) {
            throw new LifecycleException(Refusal.NOT_HUMAN, "only humans who review may hand their reviews over; " + from.id() + " does not review");
        }
        Principal delegate = identities.get().human(to == null ? "" : to)
                .orElseThrow(() -> new InvalidInputException("to", "'to' names no human Countersign knows ('" + to + "')"));
        if (delegate.id().equals(from.id())) {
            throw new InvalidInputException("to", "'to' is you: hand your reviews to someone else");
        }
        if (identities.get().isDisabled(delegate.id()) || delegate.has(Principal.Role.AUDITOR)) {
            throw new InvalidInputException("to", delegate.id() + " may not review (disabled or an auditor), so may not review for you");
        }
        Instant begins = starts == null ? now : starts.truncatedTo(ChronoUnit.MILLIS);
        if (ends == null || !ends.isAfter(begins) || !ends.isAfter(now)) {
            throw new InvalidInputException("until", "'until' must be after the start and in the future");
        }
        if (Duration.between(begins, ends).compareTo(LONGEST) > 0) {
            throw new InvalidInputException("until", "a delegation lasts at most 90 days; a longer change of reviewers belongs in identities.yaml");
        }
        if (reason != null && reason.length() > 500) {
            throw new InvalidInputException("reason", "'reason' is at most 500 characters");
        }
        Delegation delegation = new Delegation("dlg_" + HexFormat.of().formatHex(bytes()),
                from.id(), delegate.id(), begins, ends.truncatedTo(ChronoUnit.MILLIS), reason == null || reason.isBlank() ? null : reason.strip());
        events.append(List.of(new ActionEvent(null, from.id(), now, new AuditEvent.DelegationGranted(delegation.id(), delegation.from(),
                delegation.to(), delegation.starts(), delegation.ends(), delegation.reason()))));
        read = null;
        return delegation;
    }

    /** Ends a delegation now: its giver, or an admin, may. */
    public Delegation revoke(Principal caller, String id) {
        Delegation delegation = current().stream().filter(d -> d.id().equals(id)).findFirst()
                .orElseThrow(() -> new InvalidInputException("id", "no delegation " + id + " is in force or to come"));
        if (!caller.id().equals(delegation.from()) && !(caller.isHuman() && caller.has(Principal.Role.ADMIN))) {
            throw new LifecycleException(Refusal.NOT_ELIGIBLE, "only " + delegation.from() + ", who gave it, or an admin may end delegation " + id);
        }
        events.append(List.of(new ActionEvent(null, caller.id(), clock.instant().truncatedTo(ChronoUnit.MILLIS),
                new AuditEvent.DelegationRevoked(id, caller.id()))));
        read = null;
        return delegation;
    }

    /** Delegations in force or to come, oldest first. */
    public List<Delegation> current() {
        // Every inbox listing asks: the log is read at most once a second (a grant or end made on this node is seen
        // at once, one made on another node within a second).
        Read last = read;
        Instant now = clock.instant();
        if (last != null && Duration.between(last.at(), now).compareTo(FRESH) < 0 && !now.isBefore(last.at())) {
            return last.delegations().stream().filter(d -> d.ends().isAfter(now)).toList();
        }
        List<Delegation> delegations = fromLog(now);
        read = new Read(now, delegations);
        return delegations;
    }

    private List<Delegation> fromLog(Instant now) {
        Set<String> revoked = events.recentSystemEvents(EventType.DELEGATION_REVOKED, REMEMBERED).stream()
                .map(e -> ((AuditEvent.DelegationRevoked) e.event()).id()).collect(Collectors.toSet());
        return events.recentSystemEvents(EventType.DELEGATION_GRANTED, REMEMBERED).reversed().stream()
                .map(e -> (AuditEvent.DelegationGranted) e.event())
                .filter(g -> !revoked.contains(g.id()) && g.ends().isAfter(now))
                .map(g -> new Delegation(g.id(), g.from(), g.to(), g.starts(), g.ends(), g.reason()))
                .toList();
    }

    /** The delegations {@code principalId} gave or holds, in force or to come. */
    public List<Delegation> of(String principalId) {
        return current().stream().filter(d -> d.from().equals(principalId) || d.to().equals(principalId)).toList();
    }

    /** Whom {@code delegate} may review for now, as they are in the identities in force (none disabled). */
    public List<Principal> delegatorsOf(Principal delegate) {
        Instant now = clock.instant();
        Identities people = identities.get();
        return current().stream().filter(d -> d.to().equals(delegate.id()) && d.inForceAt(now))
                .map(d -> people.byId(d.from())).flatMap(Optional::stream)
                .filter(p -> p.isHuman() && !people.isDisabled(p.id())).distinct().toList();
    }

    private static byte[] bytes() {
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        return id;
    }
}
