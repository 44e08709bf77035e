package io.countersign.channels.slack;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.events.ActionEvent;
import io.countersign.events.AuditEvent;
import io.countersign.model.ActionId;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a request's Slack thread says of reviews for someone else, reminders and escalations. */
class ThreadLineTest {
    private static final ActionId ID = ActionId.newId(Instant.parse("2026-12-08T10:00:00Z"));

    private static String line(String actor, AuditEvent event) {
        SlackChannel.ThreadLine line = SlackChannel.threadLine(new ActionEvent(ID, actor, Instant.parse("2026-12-08T10:30:00Z"), event));
        return line.fallback();
    }

    @Test
    void aDelegatedReviewAReminderAndAnEscalationEachSayWhatHappened() {
        assertThat(line("bob", new AuditEvent.Reviewed("sha256:d", "alice", "approve", null, "bob"))).startsWith("✅ bob for alice approved");
        assertThat(line(ActionEvent.SYSTEM, new AuditEvent.Reminded("sha256:d", 2, List.of("sre"))))
                .isEqualTo("⏰ Reminder: stage 2 is still waiting for sre.");
        assertThat(line(ActionEvent.SYSTEM, new AuditEvent.Escalated("sha256:d", 1, List.of("oncall"))))
                .isEqualTo("⬆️ Escalated: oncall may now review stage 1.");
    }
}
