package io.countersign.audit;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;

/** An Ed25519 note verifier key, {@code <name>+<key id>+<base64(0x01 || public key)>}. */
public record NoteVerifier(String name, int keyId, PublicKey publicKey) {

    public static NoteVerifier parse(String text) {
        String[] parts = text.strip().split("\\+", 3);
        if (parts.length != 3 || !SignedNote.isValidKeyName(parts[0]) || !parts[1].matches("[0-9a-f]{8}")) {
            throw new IllegalArgumentException("malformed verifier key: expected <name>+<8 hex digits>+<base64 key>");
        }
        byte[] typed;
        try {
            typed = Base64.getDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed verifier key: the key is not base64");
        }
        if (typed.length != 33 || typed[0] != LogKey.ED25519) {
            throw new IllegalArgumentException("the verifier key is not an Ed25519 key (type 0x01, 32 bytes)");
        }
        byte[] raw = Arrays.copyOfRange(typed, 1, 33);
        int id = LogKey.keyId(parts[0], LogKey.ED25519, raw);
        if (!LogKey.hex(id).equals(parts[1])) {
            throw new IllegalArgumentException("the verifier key's id " + parts[1] + " does not match its key (" + LogKey.hex(id) + ")");
        }
        try {
            return new NoteVerifier(parts[0], id, LogKey.publicKey(raw));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the verifier key is not a valid Ed25519 public key");
        }
    }

    boolean verify(byte[] message, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(publicKey);
            verifier.update(message);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return name + "+" + LogKey.hex(keyId);
    }
}
