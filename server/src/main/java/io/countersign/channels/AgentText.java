package io.countersign.channels;

import io.countersign.json.Json;
import io.countersign.lifecycle.ActionRecord;

/**
 * What a requester wrote, made safe to show in a chat message as one line of text: a line break, a
 * Unicode line or paragraph separator, a control or a formatting character (a bidirectional override, a
 * zero-width joiner) could make one value look like several lines of the message, or reorder what a
 * reviewer reads. Line breaks show as {@code ⏎}, the others as {@code �}; nothing is dropped silently.
 * Chat renderers then get it as literal text (Slack rich-text and plain-text elements, Teams TextRuns),
 * never as markup.
 */
public final class AgentText {
    /** How much of a payload a chat message shows; a longer one is reviewed in the console, never approved blind. */
    public static final int PAYLOAD_LIMIT = 1800;

    private AgentText() {
    }

    public static String line(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\r' && i < text.length() && text.charAt(i) == '\n') {
                continue;
            }
            switch (Character.getType(c)) {
                case Character.CONTROL, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> out.append(c == '\n' || c == '\r'
                        || c == 0x85 || c == 0x2028 || c == 0x2029 ? " ⏎ " : c == '\t' ? " " : "\uFFFD");
                case Character.FORMAT -> out.append('\uFFFD');
                default -> out.appendCodePoint(c);
            }
        }
        return out.toString();
    }

    /** The payload as a chat message shows it: compact JSON (whose strings hold no raw line breaks). */
    public static String payload(ActionRecord record) {
        return Json.text(record.request().payload());
    }

    /** Whether the whole payload fits in a chat message: only then may it be approved there. */
    public static boolean payloadFits(ActionRecord record) {
        return payload(record).length() <= PAYLOAD_LIMIT;
    }
}
