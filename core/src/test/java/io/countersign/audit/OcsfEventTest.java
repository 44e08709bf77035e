package io.countersign.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Log entries as OCSF API Activity events: a break-glass stands out to a SIEM, an ordinary approval does not. */
class OcsfEventTest {
    private static JsonNode ocsf(String type, String detail) {
        String entry = "{\"type\":\"" + type + "\",\"time\":\"2026-12-01T10:00:00.000Z\",\"actor\":\"carol\",\"action_id\":\"act_1\","
                + "\"detail\":" + detail + "}";
        return OcsfEvent.of("countersign.example/log", 7, entry.getBytes(StandardCharsets.UTF_8), 8);
    }

    @Test
    void aBreakGlassIsAnApprovalOfHighSeverityAndADisputedReviewOfItToo() {
        JsonNode approved = ocsf("action.approved", "{\"digest\":\"sha256:x\"}");
        JsonNode broken = ocsf("action.break_glass", "{\"digest\":\"sha256:x\",\"justification\":\"prod down\"}");
        assertThat(approved.path("disposition_id").asInt()).isEqualTo(8);
        assertThat(approved.path("severity_id").asInt()).isEqualTo(1);
        assertThat(broken.path("disposition_id").asInt()).isEqualTo(8);
        assertThat(broken.path("severity_id").asInt()).isEqualTo(4);
        assertThat(broken.path("actor").path("user").path("uid").asString()).isEqualTo("carol");
        assertThat(broken.path("unmapped").path("detail").path("justification").asString()).isEqualTo("prod down");

        assertThat(ocsf("break_glass.reviewed", "{\"verdict\":\"disputed\",\"comment\":\"no\"}").path("severity_id").asInt()).isEqualTo(4);
        assertThat(ocsf("break_glass.reviewed", "{\"verdict\":\"upheld\"}").path("severity_id").asInt()).isEqualTo(1);
    }
}
