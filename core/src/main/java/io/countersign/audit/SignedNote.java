package io.countersign.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * C2SP signed-note: a UTF-8 text ending in a newline, a blank line, then signature lines
 * {@code — <key name> <base64(key id || signature)>}. Verification ignores signatures from unknown keys,
 * rejects a known key's bad signature, and requires at least one good one.
 */
public final class SignedNote {
    private static final String DASH = "\u2014 ";
    private static final int MAX_SIGNATURES = 100;
    private static final int MAX_NOTE_BYTES = 1 << 20;

    private SignedNote() {
    }

    /** Thrown when a note is malformed or carries no valid signature from a trusted key. */
    public static final class NoteException extends Exception {
        public NoteException(String message) {
            super(message);
        }
    }

    /** A note whose text was verified, with the names of the keys that signed it. */
    public record Verified(String text, List<String> signers, List<String> signatureLines) {
    }

    public static boolean isValidKeyName(String name) {
        return name != null && !name.isEmpty() && name.codePoints().noneMatch(c -> c == '+' || Character.isWhitespace(c)
                || Character.isISOControl(c));
    }

    public static String sign(String text, LogKey key) {
        if (!text.endsWith("\n") || text.contains("\n\n") || text.chars().anyMatch(c -> c < 0x20 && c != '\n')) {
            throw new IllegalArgumentException("a note text ends with a newline and has no blank lines or control characters");
        }
        byte[] signature = key.sign(text.getBytes(StandardCharsets.UTF_8));
        byte[] line = ByteBuffer.allocate(4 + signature.length).putInt(key.keyId()).put(signature).array();
        return text + "\n" + DASH + key.name() + " " + Base64.getEncoder().encodeToString(line) + "\n";
    }

    public static Verified open(String note, List<NoteVerifier> verifiers) throws NoteException {
        if (note.getBytes(StandardCharsets.UTF_8).length > MAX_NOTE_BYTES) {
            throw new NoteException("the note is larger than 1 MiB");
        }
        if (note.chars().anyMatch(c -> c < 0x20 && c != '\n')) {
            throw new NoteException("the note contains control characters");
        }
        int split = note.lastIndexOf("\n\n");
        if (split < 0 || !note.endsWith("\n")) {
            throw new NoteException("not a signed note: no blank line before the signatures");
        }
        if (split + 2 >= note.length()) {
            // Found by ParserFuzzTest: a note ending in a blank line has no signature lines after it.
            throw new NoteException("not a signed note: no signature lines after the blank line");
        }
        String text = note.substring(0, split + 1);
        String[] lines = note.substring(split + 2, note.length() - 1).split("\n", -1);
        if (lines.length > MAX_SIGNATURES) {
            throw new NoteException("the note has more than " + MAX_SIGNATURES + " signatures");
        }
        List<String> signers = new ArrayList<>();
        List<String> signatureLines = new ArrayList<>();
        byte[] message = text.getBytes(StandardCharsets.UTF_8);
        for (String line : lines) {
            if (!line.startsWith(DASH)) {
                throw new NoteException("malformed signature line (expected '— <name> <signature>'): " + abbreviate(line));
            }
            signatureLines.add(line);
            int space = line.lastIndexOf(' ');
            if (space <= DASH.length()) {
                // Found by ParserFuzzTest: "— " followed by one word has no name before the signature.
                throw new NoteException("malformed signature line (expected '— <name> <signature>'): " + abbreviate(line));
            }
            String name = line.substring(DASH.length(), space);
            byte[] signature;
            try {
                signature = Base64.getDecoder().decode(line.substring(space + 1));
            } catch (IllegalArgumentException e) {
                throw new NoteException("the signature of " + name + " is not base64");
            }
            if (!isValidKeyName(name) || signature.length < 5) {
                throw new NoteException("malformed signature line: " + abbreviate(line));
            }
            int id = ByteBuffer.wrap(signature).getInt();
            for (NoteVerifier verifier : verifiers) {
                if (verifier.name().equals(name) && verifier.keyId() == id) {
                    byte[] sig = java.util.Arrays.copyOfRange(signature, 4, signature.length);
                    if (!verifier.verify(message, sig)) {
                        throw new NoteException("the signature by " + verifier + " does not verify: the note was altered");
                    }
                    signers.add(name);
                }
            }
        }
        if (signers.isEmpty()) {
            throw new NoteException("no signature from a trusted key (trusted: " + verifiers
                    + "; signed by: " + lines.length + " other key(s))");
        }
        return new Verified(text, List.copyOf(signers), List.copyOf(signatureLines));
    }

    private static String abbreviate(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "…" : text;
    }
}
