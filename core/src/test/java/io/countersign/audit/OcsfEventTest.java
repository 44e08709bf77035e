package io.countersign.audit;

import static io.countersign.testing.Fixtures.AGENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.events.ActionEvent;
import io.countersign.events.AuditEvent;
import io.countersign.model.ActionId;
import io.countersign.model.Principal;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Log entries as OCSF API Activity events, checked against the OCSF 1.8.0 class definitions: every kind of
 * entry of a real log exports to an event that validates; a break-glass stands out to a SIEM, an ordinary
 * approval does not; principals are the actor as OCSF has them.
 */
class OcsfEventTest {
    private static final String API_ACTIVITY = "events/application/api_activity.json";
    private static final OcsfSchema SCHEMA = new OcsfSchema();
    private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");
    private static final ActionId ACTION = new ActionId("act_" + "1".repeat(32));
    private static final String DIGEST = "sha256:" + "a".repeat(64);

    private static JsonNode ocsf(String actor, AuditEvent event, Function<String, Optional<Principal>> principals) {
        byte[] entry = AuditEntry.encode(new ActionEvent(event.digest() == null ? null : ACTION, actor, AT, event));
        return OcsfEvent.of("countersign.example/log", 7, entry, 8, principals);
    }

    private static JsonNode ocsf(String actor, AuditEvent event) {
        return ocsf(actor, event, id -> Optional.empty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"before-claims.jsonl", "with-claims.jsonl", "with-identities.jsonl"})
    void everyEntryOfARealLogExportsToAnEventThatValidatesAgainstTheOcsfClass(String file) throws IOException {
        long index = 0;
        for (byte[] entry : GoldenEntriesTest.entries(file)) {
            JsonNode event = OcsfEvent.of("countersign.example/log", index, entry, 100,
                    id -> id.equals(AGENT.id()) ? Optional.of(AGENT) : Optional.empty());
            assertThat(SCHEMA.validate(event, API_ACTIVITY)).as("entry %d (%s)", index, AuditEntry.decode(entry).type().wireName()).isEmpty();
            index++;
        }
    }

    @Test
    void theValidatorCatchesWhatTheExportUsedToLeaveOutAndWhatNoOcsfClassHas() {
        JsonNode valid = ocsf("carol", new AuditEvent.Approved(DIGEST, "alice", null, null, null));
        var withoutSource = valid.deepCopy();
        ((tools.jackson.databind.node.ObjectNode) withoutSource).remove("src_endpoint");
        assertThat(SCHEMA.validate(withoutSource, API_ACTIVITY)).containsExactly("src_endpoint: required by the class but missing");
        var invented = valid.deepCopy();
        ((tools.jackson.databind.node.ObjectNode) invented).put("approver", "alice");
        ((tools.jackson.databind.node.ObjectNode) invented.get("actor").get("user")).put("type_id", 7);
        assertThat(SCHEMA.validate(invented, API_ACTIVITY)).containsExactlyInAnyOrder("approver: not an attribute of the class",
                "actor.user.type_id: 7 is not one of its enum values [0, 1, 2, 3, 4, 99]",
                "actor.user.type: 'Unknown' is not the caption of type_id 7 ('')");
    }

    @Test
    void aBreakGlassIsAnApprovalOfHighSeverityAndADisputedReviewOfItToo() {
        JsonNode approved = ocsf("alice", new AuditEvent.Approved(DIGEST, "alice", null, null, null));
        JsonNode broken = ocsf("carol", new AuditEvent.BrokeGlass(DIGEST, "carol", "prod down", null, "1 of sre", 0, List.of()));
        assertThat(approved.path("disposition_id").asInt()).isEqualTo(8);
        assertThat(approved.path("severity_id").asInt()).isEqualTo(1);
        assertThat(broken.path("disposition_id").asInt()).isEqualTo(8);
        assertThat(broken.path("severity_id").asInt()).isEqualTo(4);
        assertThat(broken.path("unmapped").path("detail").path("justification").asString()).isEqualTo("prod down");

        assertThat(ocsf("bob", new AuditEvent.BreakGlassReviewed(DIGEST, "bob", "disputed", "carol", "no")).path("severity_id").asInt())
                .isEqualTo(4);
        assertThat(ocsf("bob", new AuditEvent.BreakGlassReviewed(DIGEST, "bob", "upheld", "carol", null)).path("severity_id").asInt())
                .isEqualTo(1);
    }

    @Test
    void anAgentIsAServiceUserAndTheApplicationThatActedAHumanAUserAndCountersignItselfTheApplicationAlone() {
        AuditEvent requested = new AuditEvent.Requested(DIGEST, "db.export", "postgres.table:prod/customers", "churn", null, "dana@example.com");
        JsonNode byAgent = ocsf(AGENT.id(), requested, id -> Optional.of(AGENT)).path("actor");
        assertThat(byAgent.path("user").path("uid").asString()).isEqualTo("deploy-agent");
        assertThat(byAgent.path("user").path("type").asString()).isEqualTo("Service");
        assertThat(byAgent.path("app_uid").asString()).isEqualTo("deploy-agent");
        assertThat(byAgent.path("app_name").asString()).isEqualTo(AGENT.name());

        JsonNode byReviewer = ocsf("alice", new AuditEvent.Reviewed(DIGEST, "alice", "approve", null)).path("actor");
        assertThat(byReviewer.path("user").path("type").asString()).as("only humans review, identities or not").isEqualTo("User");
        assertThat(ocsf("someone", requested).path("actor").path("user").path("type").asString()).isEqualTo("Unknown");

        JsonNode bySystem = ocsf(ActionEvent.SYSTEM, new AuditEvent.Expired(DIGEST, AT, 0, null));
        assertThat(bySystem.path("actor").has("user")).isFalse();
        assertThat(bySystem.path("actor").path("app_name").asString()).isEqualTo("Countersign");
        assertThat(bySystem.path("src_endpoint").path("svc_name").asString()).isEqualTo("countersign");
        assertThat(bySystem.path("disposition_id").asInt()).isEqualTo(2);
    }
}
