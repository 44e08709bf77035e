package io.countersign.audit;

import java.util.Arrays;
import java.util.Base64;

/**
 * The shared text form of note keys, {@code <name>+<8 hex key id>+<base64(0x01 || 32 key bytes)>}, as
 * Go's {@code sumdb/note} writes verifier and private keys. Messages never repeat the key bytes.
 *
 * @param what "verifier key" or "private note key", for messages
 */
record KeyText(String name, String keyId, byte[] key, String what) {

    static KeyText parse(String text, String what) {
        String[] parts = text.split("\\+", 3);
        if (parts.length != 3 || !SignedNote.isValidKeyName(parts[0]) || !parts[1].matches("[0-9a-f]{8}")) {
            throw new IllegalArgumentException("malformed " + what + ": expected <name>+<8 hex digits>+<base64 key>");
        }
        byte[] typed;
        try {
            typed = Base64.getDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed " + what + ": the key is not base64");
        }
        if (typed.length != 33 || typed[0] != LogKey.ED25519) {
            throw new IllegalArgumentException("the " + what + " is not an Ed25519 key (type 0x01, 32 bytes)");
        }
        return new KeyText(parts[0], parts[1], Arrays.copyOfRange(typed, 1, 33), what);
    }

    /** Checks the stated id against the one computed from the (public) key. */
    void requireId(int computed) {
        if (!LogKey.hex(computed).equals(keyId)) {
            throw new IllegalArgumentException("the " + what + "'s id " + keyId + " does not match its key");
        }
    }
}
