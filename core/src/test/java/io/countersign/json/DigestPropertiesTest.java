package io.countersign.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.ActionDigest;
import io.countersign.model.ActionRequest;
import io.countersign.model.InvalidInputException;
import io.countersign.testing.Fuzzing;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import tools.jackson.databind.JsonNode;

/**
 * What an approval covers is exactly one thing: for any two payloads the server accepts, their digests are
 * equal if and only if their canonical bytes are, if and only if they are the same JSON value (numbers
 * compared as numbers, objects regardless of member order). Pairs are made by writing one document two
 * ways (member order, number spelling, string escapes) and by changing one of them a little, so that
 * both the equal and the different cases come up often; documents that are not I-JSON must be refused.
 */
class DigestPropertiesTest {
    @Property(seed = Fuzzing.SEED, tries = 2000)
    void equalDigestsIffEqualCanonicalBytesIffEqualValues(@ForAll("pairs") String[] pair) {
        ActionRequest first = accepted(pair[0]);
        ActionRequest second = accepted(pair[1]);
        if (first == null || second == null) {
            return;
        }
        boolean sameDigest = ActionDigest.of(first).equals(ActionDigest.of(second));
        boolean sameBytes = java.util.Arrays.equals(canonical(first.payload()), canonical(second.payload()));
        boolean sameValue = sameValue(first.payload(), second.payload());
        assertThat(sameDigest).as("digest equal vs canonical bytes equal for %s and %s", pair[0], pair[1]).isEqualTo(sameBytes);
        assertThat(sameBytes).as("canonical bytes equal vs values equal for %s and %s", pair[0], pair[1]).isEqualTo(sameValue);
    }

    @Property(seed = Fuzzing.SEED, tries = 2000)
    void whatIsAcceptedKeepsEveryNumberAndStringExactly(@ForAll("documents") String document) {
        ActionRequest request = accepted(document);
        if (request == null) {
            return;
        }
        // The canonical form read back is the same value: nothing was rounded or replaced on the way.
        JsonNode again = Json.parse(canonical(request.payload())).get("p");
        assertThat(sameValue(again, request.payload())).as(document).isTrue();
    }

    /** RFC 8785 as the digest applies it: to an object holding the payload (which may be any JSON value). */
    private static byte[] canonical(JsonNode payload) {
        tools.jackson.databind.node.ObjectNode wrapped = Json.object();
        wrapped.set("p", payload);
        return CanonicalJson.encode(wrapped);
    }

    private static ActionRequest accepted(String payload) {
        try {
            return ActionRequestJson.fromJson(Json.parse("{\"action\":\"a.b\",\"resource\":{\"type\":\"t\",\"id\":\"r\"},"
                    + "\"intent\":{\"summary\":\"s\"},\"payload\":" + payload + "}"));
        } catch (InvalidInputException refused) {
            assertThat(refused.code()).isIn(IJson.CODE, "malformed_json");
            return null;
        }
    }

    /** The same JSON value: numbers by their mathematical value, members regardless of order. */
    static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return exact(a).compareTo(exact(b)) == 0;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Map.Entry<String, JsonNode> member : a.properties()) {
                JsonNode other = b.get(member.getKey());
                if (other == null || !sameValue(member.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            Iterator<JsonNode> left = a.values().iterator();
            Iterator<JsonNode> right = b.values().iterator();
            while (left.hasNext()) {
                if (!sameValue(left.next(), right.next())) {
                    return false;
                }
            }
            return true;
        }
        return a.getNodeType() == b.getNodeType() && a.equals(b);
    }

    private static BigDecimal exact(JsonNode number) {
        return number.isIntegralNumber() ? new BigDecimal(number.bigIntegerValue()) : number.decimalValue();
    }

    // ---- generators: a small JSON model, written out in more than one way ----

    /** A JSON value as a tree of plain Java values: Map (ordered), List, String, BigDecimal, Boolean, null. */
    private static Arbitrary<Object> values(int depth) {
        Arbitrary<Object> leaf = Arbitraries.oneOf(numbers().map(n -> (Object) n), strings().map(s -> (Object) s),
                Arbitraries.of(Boolean.TRUE, Boolean.FALSE).map(b -> (Object) b), Arbitraries.just(Nil.NULL));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<Object> list = values(depth - 1).list().ofMaxSize(3).map(l -> (Object) l);
        Arbitrary<Object> map = Combinators.combine(names().list().ofMaxSize(3), values(depth - 1).list().ofSize(3))
                .as((keys, vals) -> {
                    Map<String, Object> m = new java.util.LinkedHashMap<>();
                    for (int i = 0; i < keys.size(); i++) {
                        m.put(keys.get(i), vals.get(i));
                    }
                    return (Object) m;
                });
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, leaf), net.jqwik.api.Tuple.of(1, list), net.jqwik.api.Tuple.of(2, map));
    }

    private enum Nil { NULL }

    /** Around the edges of what a double holds: 2^53, long fractions, tiny and huge exponents. */
    private static Arbitrary<BigDecimal> numbers() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(-20, 20).map(BigDecimal::valueOf),
                Arbitraries.longs().between(9007199254740980L, 9007199254741000L).map(BigDecimal::valueOf),
                Arbitraries.longs().map(BigDecimal::valueOf),
                Arbitraries.doubles().map(d -> new BigDecimal(Double.toString(d))),
                Arbitraries.of("0.1", "0.10000000000000000001", "1e400", "1e-400", "1e20", "4.50", "-0.0", "5e-324", "1.7976931348623157e308")
                        .map(BigDecimal::new),
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(30).map(BigDecimal::new));
    }

    private static Arbitrary<String> strings() {
        return Arbitraries.oneOf(
                Arbitraries.of("", "a", "é", "😀", "\ud800", "\udc00x", "line\nbreak", "quote\"", "back\\slash"),
                Arbitraries.strings().withCharRange('\u0000', '\uffff').ofMaxLength(4));
    }

    private static Arbitrary<String> names() {
        return Arbitraries.of("a", "b", "user", "é", "\ud83d\ude00", "\ud800", "A");
    }

    @Provide
    Arbitrary<String> documents() {
        return Combinators.combine(values(3), Arbitraries.integers()).as((value, style) -> write(value, style));
    }

    @Provide
    Arbitrary<String[]> pairs() {
        return Combinators.combine(values(3), Arbitraries.integers(), Arbitraries.integers(), Arbitraries.integers().between(0, 2))
                .as((value, styleA, styleB, change) -> new String[] {write(value, styleA),
                        write(change == 0 ? mutate(value, styleB) : value, styleB)});
    }

    /** A small change somewhere in the value (or none, when there is nowhere to make it). */
    private static Object mutate(Object value, int seed) {
        return switch (value) {
            case BigDecimal n -> n.add(BigDecimal.ONE);
            case String s -> s + "x";
            case Boolean b -> !b;
            case List<?> l when !l.isEmpty() -> {
                List<Object> copy = new ArrayList<>(l);
                int at = Math.floorMod(seed, copy.size());
                copy.set(at, mutate(copy.get(at), seed / 7));
                yield copy;
            }
            case Map<?, ?> m when !m.isEmpty() -> {
                Map<String, Object> copy = new java.util.LinkedHashMap<>();
                m.forEach((k, v) -> copy.put((String) k, v));
                String key = new ArrayList<>(copy.keySet()).get(Math.floorMod(seed, copy.size()));
                copy.put(key, mutate(copy.get(key), seed / 7));
                yield copy;
            }
            default -> List.of(BigDecimal.ONE);
        };
    }

    /** JSON text of {@code value}; {@code style} picks member order, number spelling and string escaping. */
    private static String write(Object value, int style) {
        StringBuilder out = new StringBuilder();
        write(value, style, out);
        return out.toString();
    }

    private static void write(Object value, int style, StringBuilder out) {
        switch (value) {
            case Nil n -> out.append("null");
            case Boolean b -> out.append(b);
            case BigDecimal n -> out.append(spelled(n, style));
            case String s -> quoted(s, style, out);
            case List<?> l -> {
                out.append('[');
                for (int i = 0; i < l.size(); i++) {
                    out.append(i == 0 ? "" : ",");
                    write(l.get(i), style, out);
                }
                out.append(']');
            }
            case Map<?, ?> m -> {
                List<Map.Entry<?, ?>> members = new ArrayList<>(m.entrySet());
                if ((style & 1) != 0) {
                    java.util.Collections.reverse(members);
                }
                out.append('{');
                for (int i = 0; i < members.size(); i++) {
                    out.append(i == 0 ? "" : ",");
                    quoted((String) members.get(i).getKey(), style, out);
                    out.append(':');
                    write(members.get(i).getValue(), style, out);
                }
                out.append('}');
            }
            default -> throw new IllegalStateException(String.valueOf(value));
        }
    }

    private static String spelled(BigDecimal n, int style) {
        return switch (Math.floorMod(style >> 1, 3)) {
            case 0 -> n.toPlainString();
            case 1 -> n.toString().replace("E+", "e");
            default -> n.signum() == 0 ? "0.0" : n.stripTrailingZeros().unscaledValue() + "e" + (-n.stripTrailingZeros().scale());
        };
    }

    private static void quoted(String s, int style, StringBuilder out) {
        boolean escapeAll = (style & 8) != 0;
        out.append('"');
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || escapeAll || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
