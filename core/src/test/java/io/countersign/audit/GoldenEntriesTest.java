package io.countersign.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.events.ActionEvent;
import io.countersign.events.EventType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Entries of real logs (see {@code golden/README.md}) read as typed events and written again come out byte
 * for byte as they were: the bytes are hashed into the tree, so a change to how events are encoded that
 * altered them would break every checkpoint and proof already given out.
 */
class GoldenEntriesTest {
    static List<byte[]> entries(String file) throws IOException {
        try (InputStream in = GoldenEntriesTest.class.getResourceAsStream("golden/" + file)) {
            List<byte[]> entries = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    entries.add(line.getBytes(StandardCharsets.UTF_8));
                }
            }
            return entries;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"before-claims.jsonl", "with-claims.jsonl", "with-identities.jsonl", "with-stages-and-delegations.jsonl",
            "with-reminders.jsonl"})
    void everyEntryReadsAsItsTypedEventAndIsWrittenAgainByteForByte(String file) throws IOException {
        for (byte[] entry : entries(file)) {
            ActionEvent event = AuditEntry.decode(entry);
            assertThat(new String(AuditEntry.encode(event), StandardCharsets.UTF_8)).isEqualTo(new String(entry, StandardCharsets.UTF_8));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"before-claims.jsonl,with-claims.jsonl,with-identities.jsonl,with-stages-and-delegations.jsonl,with-reminders.jsonl"})
    void theVectorsCoverEveryKindOfEvent(String files) throws IOException {
        Set<EventType> seen = EnumSet.noneOf(EventType.class);
        for (String file : files.split(",")) {
            entries(file).forEach(entry -> seen.add(AuditEntry.decode(entry).type()));
        }
        assertThat(seen).containsExactlyInAnyOrder(EventType.values());
    }
}
