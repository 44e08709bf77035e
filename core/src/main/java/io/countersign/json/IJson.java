package io.countersign.json;

import io.countersign.model.InvalidInputException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * I-JSON (RFC 7493): the subset of JSON that every parser reads to the same value. The digest of an
 * action is taken over its RFC 8785 canonical form, which reads numbers as IEEE 754 doubles and strings
 * as UTF-16; anything outside I-JSON would reach that form changed, so two different requests could
 * share one digest and an approval of one would run the other. Such input is refused, naming the field.
 *
 * <p>Duplicate member names (RFC 7493 §2.3) are refused by the parser itself ({@link Json#MAPPER}).
 */
public final class IJson {
    /** RFC 7493 §2.2: integers beyond ±(2^53 − 1) are not interoperable. */
    static final BigInteger MAX_SAFE_INTEGER = BigInteger.TWO.pow(53).subtract(BigInteger.ONE);

    public static final String CODE = "not_i_json";

    private IJson() {
    }

    /**
     * @param path dotted path of {@code value} for the error ({@code payload}, {@code context.run})
     * @throws InvalidInputException naming the first field that is not I-JSON
     */
    public static void check(JsonNode value, String path) {
        if (value == null) {
            return;
        }
        if (value.isObject()) {
            for (Map.Entry<String, JsonNode> member : value.properties()) {
                String name = member.getKey();
                String at = (path.isEmpty() ? "" : path + ".") + shownName(name);
                if (hasLoneSurrogate(name)) {
                    throw refused(at, "member name contains an unpaired surrogate (\\ud800–\\udfff not part of a pair)");
                }
                check(member.getValue(), at);
            }
        } else if (value.isArray()) {
            int index = 0;
            for (JsonNode item : value.values()) {
                check(item, path + "[" + index++ + "]");
            }
        } else if (value.isString()) {
            if (hasLoneSurrogate(value.stringValue())) {
                throw refused(path, "contains an unpaired surrogate (\\ud800–\\udfff not part of a pair)");
            }
        } else if (value.isNumber()) {
            checkNumber(value, path);
        }
    }

    private static void checkNumber(JsonNode number, String path) {
        BigDecimal exact = number.isIntegralNumber() ? new BigDecimal(number.bigIntegerValue()) : number.decimalValue();
        if (isIntegral(exact)) {
            // Digits before the point first: 1e999999999 must not be expanded to find it is too large.
            boolean tooLong = exact.precision() - exact.scale() > 16;
            if (tooLong || exact.toBigIntegerExact().abs().compareTo(MAX_SAFE_INTEGER) > 0) {
                throw refused(path, "integer " + shown(exact) + " is beyond ±9007199254740991 (2^53 − 1), the largest every JSON reader keeps exactly;"
                        + " send it as a string");
            }
            return;
        }
        double asDouble = exact.doubleValue();
        if (Double.isInfinite(asDouble) || new BigDecimal(Double.toString(asDouble)).compareTo(exact) != 0) {
            throw refused(path, "number " + shown(exact) + " does not survive a round trip through a 64-bit double"
                    + " (it would be read as " + asDouble + "); send it as a string");
        }
    }

    private static boolean isIntegral(BigDecimal value) {
        return value.signum() == 0 || value.stripTrailingZeros().scale() <= 0;
    }

    private static String shown(BigDecimal value) {
        String text = value.toString();
        return text.length() > 40 ? text.substring(0, 37) + "..." : text;
    }

    /** A member name as an error may show it: an unpaired surrogate, which UTF-8 cannot carry, as {@code \\uXXXX}. */
    private static String shownName(String name) {
        if (!hasLoneSurrogate(name)) {
            return name;
        }
        StringBuilder shown = new StringBuilder();
        name.codePoints().forEach(c -> {
            if (c >= 0xD800 && c <= 0xDFFF) {
                shown.append(String.format("\\u%04x", c));
            } else {
                shown.appendCodePoint(c);
            }
        });
        return shown.toString();
    }

    static boolean hasLoneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return true;
            }
            if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static InvalidInputException refused(String path, String problem) {
        return new InvalidInputException(CODE, path, "'" + path + "' is not I-JSON (RFC 7493): " + problem);
    }
}
