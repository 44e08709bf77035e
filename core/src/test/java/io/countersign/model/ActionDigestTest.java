package io.countersign.model;

import io.countersign.json.ActionDigest;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.ActionRequestJson;
import io.countersign.json.CanonicalJson;
import io.countersign.json.Json;
import org.junit.jupiter.api.Test;

class ActionDigestTest {
    private static ActionRequest parse(String json) {
        return ActionRequestJson.fromJson(Json.parse(json));
    }

    @Test
    void canonicalFormFollowsRfc8785() {
        // RFC 8785 §3.2.2 number forms and §3.2.3 key order (UTF-16 code units).
        assertThat(CanonicalJson.encodeToString(Json.parse("{\"b\": 1e30, \"a\": [4.50, 0.000001, 1E-7], \"\\u20ac\": \"\\u00e9\", \"A\": true}")))
                .isEqualTo("{\"A\":true,\"a\":[4.5,0.000001,1e-7],\"b\":1e+30,\"€\":\"é\"}");
    }

    @Test
    void digestIgnoresKeyOrderAndWhitespace() {
        ActionRequest one = parse("{\"action\":\"db.export\",\"resource\":{\"type\":\"t\",\"id\":\"r\"},\"intent\":{\"summary\":\"s\"},\"payload\":{\"a\":1,\"b\":[1,2]}}");
        ActionRequest two = parse("{ \"payload\": {\"b\": [1, 2], \"a\": 1.0}, \"intent\": {\"summary\": \"s\"}, \"resource\": {\"id\": \"r\", \"type\": \"t\"}, \"action\": \"db.export\" }");
        assertThat(ActionDigest.of(one)).isEqualTo(ActionDigest.of(two)).matches("sha256:[0-9a-f]{64}");
    }

    @Test
    void digestCoversWhatRunsAndNotWhatIsClaimed() {
        String base = "{\"action\":\"db.export\",\"resource\":{\"type\":\"t\",\"id\":\"r\"},\"intent\":{\"summary\":\"%s\"},\"payload\":{\"sql\":\"%s\"}}";
        String original = ActionDigest.of(parse(base.formatted("first reason", "SELECT 1")));
        assertThat(ActionDigest.of(parse(base.formatted("another reason", "SELECT 1")))).isEqualTo(original);
        assertThat(ActionDigest.of(parse(base.formatted("first reason", "SELECT 2")))).isNotEqualTo(original);
    }
}
