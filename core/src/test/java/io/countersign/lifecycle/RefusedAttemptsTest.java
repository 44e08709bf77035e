package io.countersign.lifecycle;

import io.countersign.events.ActionEvent;
import io.countersign.events.AuditEvent;
import io.countersign.events.EventStore;
import io.countersign.events.EventType;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.model.ActionId;
import io.countersign.store.StoreUnavailableException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One caller in a loop is one entry a minute per reason, plus a summary of the rest: never an unbounded log. */
class RefusedAttemptsTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    /** A clock the test moves. */
    private static final class MovingClock extends Clock {
        Instant now = T0;

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final List<ActionEvent> written = new ArrayList<>();
    private boolean storeDown;
    private final MovingClock clock = new MovingClock();
    private final RefusedAttempts refusals = new RefusedAttempts(recordingStore(), clock);

    /** A store of which only {@code append} is used here: it records what would be written. */
    private EventStore recordingStore() {
        return (EventStore) Proxy.newProxyInstance(EventStore.class.getClassLoader(), new Class<?>[] {EventStore.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("append")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    if (storeDown) {
                        throw new StoreUnavailableException("disk full", null);
                    }
                    @SuppressWarnings("unchecked")
                    List<ActionEvent> events = (List<ActionEvent>) args[0];
                    written.addAll(events);
                    return null;
                });
    }

    private static RefusedAttempts.Attempt selfReview(String who, String action, List<String> controls) {
        return new RefusedAttempts.Attempt(who, new ActionId(action), new AuditEvent.Refused(EventType.REFUSED, "sha256:" + "a".repeat(64),
                "self_review", "review", "the requester cannot review their own request", controls, null, "approve", null, null, null));
    }

    @Test
    void theFirstOfAMinuteIsWrittenAtOnceTheRestAsOneSummaryWhenTheMinuteEnds() {
        String one = "act_" + "1".repeat(32);
        String two = "act_" + "2".repeat(32);
        refusals.record(selfReview("alice", one, List.of("soc2:CC8.1")));
        assertThat(written).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(EventType.REFUSED);
            assertThat(e.actor()).isEqualTo("alice");
            assertThat(e.actionId().value()).isEqualTo(one);
            AuditEvent.Refused refused = (AuditEvent.Refused) e.event();
            assertThat(refused.reason()).isEqualTo("self_review");
            assertThat(refused.attempt()).isEqualTo("review");
            assertThat(refused.controls()).containsExactly("soc2:CC8.1");
        });
        for (int i = 0; i < 1000; i++) {
            clock.now = T0.plusMillis(10 * i);
            refusals.record(selfReview("alice", i % 2 == 0 ? one : two, i % 2 == 0 ? List.of("soc2:CC8.1") : List.of()));
        }
        refusals.flush();
        assertThat(written).as("a thousand attempts in the same minute").hasSize(1);
        // Someone else, or another reason, has a window of its own.
        refusals.record(selfReview("bob", one, List.of()));
        assertThat(written).hasSize(2);

        clock.now = T0.plus(Duration.ofSeconds(61));
        refusals.flush();
        ActionEvent summary = written.get(2);
        assertThat(summary.actionId()).isNull();
        assertThat(summary.actor()).isEqualTo("alice");
        AuditEvent.RefusalsCoalesced counted = (AuditEvent.RefusalsCoalesced) summary.event();
        assertThat(counted.count()).isEqualTo(1000);
        assertThat(counted.byControl()).containsEntry("soc2:CC8.1", 500).containsEntry("(unmapped)", 500);
        assertThat(counted.actions()).containsExactlyInAnyOrder(one, two);
        assertThat(counted.from()).isEqualTo(T0);
        assertThat(counted.to()).isEqualTo(T0.plusMillis(9990));
        assertThat(written).as("bob tried once: nothing to summarize").hasSize(3);

        // The next minute starts over: its first attempt is written at once.
        refusals.record(selfReview("alice", one, List.of()));
        assertThat(written).hasSize(4);
        assertThat(written.get(3).event()).isInstanceOf(AuditEvent.Refused.class);
    }

    @Test
    void aSummaryIsWrittenWhenTheNextAttemptComesAfterTheMinuteEvenBeforeAFlush() {
        String one = "act_" + "1".repeat(32);
        refusals.record(selfReview("alice", one, List.of()));
        clock.now = T0.plusSeconds(5);
        refusals.record(selfReview("alice", one, List.of()));
        clock.now = T0.plusSeconds(75);
        refusals.record(selfReview("alice", one, List.of()));
        assertThat(written).extracting(e -> e.event() instanceof AuditEvent.RefusalsCoalesced counted ? counted.count() : 0)
                .containsExactly(0, 1, 0);
        assertThat(written.get(1).event()).isInstanceOf(AuditEvent.RefusalsCoalesced.class);
    }

    @Test
    void aLogThatCannotBeWrittenLeavesTheRefusalStanding() {
        storeDown = true;
        refusals.record(selfReview("alice", "act_" + "1".repeat(32), List.of()));
        assertThat(written).isEmpty();
    }
}
