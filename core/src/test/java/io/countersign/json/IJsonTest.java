package io.countersign.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.json.ActionDigest;
import io.countersign.model.ActionRequest;
import io.countersign.model.InvalidInputException;
import org.junit.jupiter.api.Test;

/** Only I-JSON (RFC 7493) reaches a digest: input a double or UTF-16 would change is refused, naming the field. */
class IJsonTest {
    private static ActionRequest withPayload(String payload) {
        return ActionRequestJson.fromJson(Json.parse("""
                {"action": "db.update", "resource": {"type": "t", "id": "r"}, "intent": {"summary": "s"}, "payload": %s}
                """.formatted(payload)));
    }

    private static InvalidInputException refusal(String payload) {
        try {
            withPayload(payload);
        } catch (InvalidInputException e) {
            return e;
        }
        throw new AssertionError("accepted " + payload);
    }

    @Test
    void twoIntegersThatADoubleCannotTellApartAreBothRefusedNamingTheField() {
        // Before: both had the same digest, so approving one ran the other.
        for (String user : new String[] {"9007199254740993", "9007199254740992", "-9007199254740993", "1e20", "123456789012345678901234567890"}) {
            InvalidInputException refused = refusal("{\"user\": " + user + "}");
            assertThat(refused.code()).isEqualTo("not_i_json");
            assertThat(refused.field()).isEqualTo("payload.user");
            assertThat(refused.getMessage()).contains("2^53");
        }
        assertThat(withPayload("{\"user\": 9007199254740991}").payload().path("user").longValue()).isEqualTo(9007199254740991L);
        assertThat(withPayload("{\"user\": -9007199254740991}").payload().path("user").longValue()).isEqualTo(-9007199254740991L);
    }

    @Test
    void fractionsThatDoNotSurviveADoubleRoundTripAreRefused() {
        InvalidInputException refused = refusal("{\"rate\": [0.5, 0.1000000000000000000001]}");
        assertThat(refused.field()).isEqualTo("payload.rate[1]");
        assertThat(refused.getMessage()).contains("round trip");
        assertThat(refusal("{\"big\": 1e400}").field()).isEqualTo("payload.big");
        assertThat(refusal("{\"tiny\": 1e-400}").field()).isEqualTo("payload.tiny");
        // A number a double holds exactly, however it is written, is fine.
        assertThat(withPayload("{\"a\": 0.1, \"b\": 4.50, \"c\": -2.5e-3, \"d\": 1.0}").payload().size()).isEqualTo(4);
    }

    @Test
    void loneSurrogatesInValuesAndNamesAreRefused() {
        InvalidInputException value = refusal("{\"name\": \"ok \\ud800 not ok\"}");
        assertThat(value.field()).isEqualTo("payload.name");
        assertThat(value.getMessage()).contains("surrogate");
        // In a member name the parser itself refuses it, as malformed JSON.
        assertThat(refusal("{\"\\udc00\": 1}").getMessage()).contains("surrogate");
        // A pair is one character (U+1F600) and fine.
        assertThat(withPayload("{\"face\": \"\\ud83d\\ude00\"}").payload().path("face").stringValue()).isEqualTo("😀");
    }

    @Test
    void everyPartOfTheRequestIsChecked() {
        String template = """
                {"action": "db.update", "resource": {"type": "t", "id": "r", "labels": {"l": "%s"}},
                 "intent": {"summary": "%s"}, "context": {"n": %s}}""";
        assertThatThrownBy(() -> ActionRequestJson.fromJson(Json.parse(template.formatted("\\ud800", "s", "1"))))
                .isInstanceOf(InvalidInputException.class).extracting("field").isEqualTo("resource.labels.l");
        assertThatThrownBy(() -> ActionRequestJson.fromJson(Json.parse(template.formatted("x", "\\udfff", "1"))))
                .isInstanceOf(InvalidInputException.class).extracting("field").isEqualTo("intent.summary");
        assertThatThrownBy(() -> ActionRequestJson.fromJson(Json.parse(template.formatted("x", "s", "18014398509481984"))))
                .isInstanceOf(InvalidInputException.class).extracting("field").isEqualTo("context.n");
    }

    @Test
    void duplicateMemberNamesAreRefusedNamingTheMember() {
        assertThatThrownBy(() -> Json.parse("{\"payload\": {\"user\": 1, \"user\": 2}}"))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> {
                    InvalidInputException refused = (InvalidInputException) e;
                    assertThat(refused.field()).isEqualTo("payload.user");
                    assertThat(refused.getMessage()).contains("duplicate");
                });
    }

    @Test
    void aNumberBeyondWhatADecimalCanHoldIsMalformedNotAServerError() {
        // Found by ParserFuzzTest (Jazzer): before, this escaped as a NumberFormatException, a 500.
        assertThatThrownBy(() -> Json.parse("{\"payload\": {\"n\": 5e2555555555}}"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("a number is out of range")
                .extracting("code").isEqualTo("malformed_json");
    }

    @Test
    void theSameNumberWrittenTwoWaysHasOneDigest() {
        assertThat(ActionDigest.of(withPayload("{\"n\": 100, \"f\": 0.5}")))
                .isEqualTo(ActionDigest.of(withPayload("{\"f\": 5e-1, \"n\": 1e2}")));
    }
}
