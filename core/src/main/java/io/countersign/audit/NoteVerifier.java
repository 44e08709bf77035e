package io.countersign.audit;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;

/** An Ed25519 note verifier key, {@code <name>+<key id>+<base64(0x01 || public key)>}. */
public record NoteVerifier(String name, int keyId, PublicKey publicKey) {

    public static NoteVerifier parse(String text) {
        KeyText parsed = KeyText.parse(text.strip(), "verifier key");
        int id = LogKey.keyId(parsed.name(), LogKey.ED25519, parsed.key());
        parsed.requireId(id);
        try {
            return new NoteVerifier(parsed.name(), id, LogKey.publicKey(parsed.key()));
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
