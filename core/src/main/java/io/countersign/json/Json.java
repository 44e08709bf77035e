package io.countersign.json;

import io.countersign.model.InvalidInputException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** The one JSON mapper of Countersign, configured for untrusted input. */
public final class Json {
    /**
     * Duplicate keys are rejected: two parsers that pick different duplicates would let a request mean
     * one thing to a reviewer and another to the executor. Fractions are read exactly (not rounded to a
     * double on the way in), so that {@link IJson} can refuse numbers that a double would change.
     */
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private Json() {
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /** Parses untrusted bytes; malformed input becomes an {@link InvalidInputException} with line and column. */
    public static JsonNode parse(byte[] bytes) {
        if (bytes.length == 0) {
            throw new InvalidInputException("malformed_json", null, "request body is empty: expected a JSON object");
        }
        try {
            return MAPPER.readTree(bytes);
        } catch (StreamReadException e) {
            String duplicate = duplicateMember(e);
            if (duplicate != null) {
                throw new InvalidInputException("malformed_json", duplicate, "malformed JSON: duplicate member '" + duplicate
                        + "': a name may appear once in an object (I-JSON, RFC 7493), or two readers could see two different requests");
            }
            var location = e.getLocation();
            String where = location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
            throw new InvalidInputException("malformed_json", null, "malformed JSON" + where + ": " + e.getOriginalMessage());
        } catch (JacksonException e) {
            throw new InvalidInputException("malformed_json", null, "malformed JSON: " + e.getOriginalMessage());
        } catch (NumberFormatException e) {
            // A number beyond what a BigDecimal may hold (an exponent of billions): Jackson says so in this
            // exception, not in one of its own. Cut: the number is the caller's and may be long.
            throw new InvalidInputException("malformed_json", null, "malformed JSON: a number is out of range: "
                    + abbreviated(e.getMessage()));
        }
    }

    private static String abbreviated(String text) {
        return text == null || text.length() <= 200 ? String.valueOf(text) : text.substring(0, 199) + "…";
    }

    /** The dotted path of the member named twice, when that is what {@code e} is about; null otherwise. */
    private static String duplicateMember(StreamReadException e) {
        if (e.getOriginalMessage() == null || !e.getOriginalMessage().startsWith("Duplicate") || !(e.processor() instanceof JsonParser parser)) {
            return null;
        }
        java.util.Deque<String> steps = new java.util.ArrayDeque<>();
        for (TokenStreamContext context = parser.streamReadContext(); context != null && !context.inRoot(); context = context.getParent()) {
            steps.push(context.inArray() ? "[" + context.getCurrentIndex() + "]" : "." + context.currentName());
        }
        String path = String.join("", steps);
        return path.startsWith(".") ? path.substring(1) : path.isEmpty() ? null : path;
    }

    public static JsonNode parse(String text) {
        return parse(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public static byte[] bytes(JsonNode node) {
        return MAPPER.writeValueAsBytes(node);
    }

    public static String text(JsonNode node) {
        return MAPPER.writeValueAsString(node);
    }
}
