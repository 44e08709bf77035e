package io.countersign.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The log's Ed25519 signing key (the JDK's own implementation), named by the log origin as C2SP
 * signed-note asks. Its text form is the one Go's {@code golang.org/x/mod/sumdb/note} reads:
 * {@code PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>}.
 */
public final class LogKey {
    static final byte ED25519 = 0x01;
    private static final String PRIVATE_PREFIX = "PRIVATE+KEY+";

    private final String name;
    private final byte[] seed;
    private final PrivateKey privateKey;
    private final byte[] publicKey;
    private final int keyId;

    private LogKey(String name, byte[] seed, PrivateKey privateKey, byte[] publicKey) {
        this.name = name;
        this.seed = seed;
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.keyId = keyId(name, ED25519, publicKey);
    }

    public static LogKey generate(String name) {
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        return fromSeed(name, seed);
    }

    /** Reads the text form; the message never repeats the key material. */
    public static LogKey parse(String text) {
        String line = text.strip();
        if (!line.startsWith(PRIVATE_PREFIX)) {
            throw new IllegalArgumentException("not a private note key (expected PRIVATE+KEY+<name>+<id>+<key>)");
        }
        KeyText parsed = KeyText.parse(line.substring(PRIVATE_PREFIX.length()), "private note key");
        LogKey key = fromSeed(parsed.name(), parsed.key());
        parsed.requireId(key.keyId);
        return key;
    }

    private static LogKey fromSeed(String name, byte[] seed) {
        if (!SignedNote.isValidKeyName(name)) {
            throw new IllegalArgumentException("a key name must be non-empty text without spaces or '+': " + name);
        }
        try {
            // The JDK derives the key pair from 32 random bytes, which for Ed25519 are the seed (RFC 8032 §5.1.5).
            KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
            generator.initialize(NamedParameterSpec.ED25519, new FixedBytes(seed));
            KeyPair pair = generator.generateKeyPair();
            byte[] derived = ((EdECPrivateKey) pair.getPrivate()).getBytes().orElseThrow();
            if (!Arrays.equals(derived, seed)) {
                throw new IllegalStateException("the JDK did not derive the Ed25519 key from its seed");
            }
            byte[] encoded = pair.getPublic().getEncoded();
            return new LogKey(name, seed.clone(), pair.getPrivate(), Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no Ed25519", e);
        }
    }

    public String name() {
        return name;
    }

    public int keyId() {
        return keyId;
    }

    /** {@code <name>+<key id>+<base64(0x01 || public key)>}: what verifiers are given. */
    public String verifierKey() {
        byte[] typed = new byte[33];
        typed[0] = ED25519;
        System.arraycopy(publicKey, 0, typed, 1, 32);
        return name + "+" + hex(keyId) + "+" + Base64.getEncoder().encodeToString(typed);
    }

    public NoteVerifier verifier() {
        return NoteVerifier.parse(verifierKey());
    }

    public String privateKeyText() {
        byte[] typed = new byte[33];
        typed[0] = ED25519;
        System.arraycopy(seed, 0, typed, 1, 32);
        return PRIVATE_PREFIX + name + "+" + hex(keyId) + "+" + Base64.getEncoder().encodeToString(typed);
    }

    byte[] sign(byte[] message) {
        try {
            Signature signature = Signature.getInstance("Ed25519");
            signature.initSign(privateKey);
            signature.update(message);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    static int keyId(String name, byte type, byte[] publicKey) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] input = ByteBuffer.allocate(nameBytes.length + 2 + publicKey.length)
                .put(nameBytes).put((byte) '\n').put(type).put(publicKey).array();
        return ByteBuffer.wrap(Rfc6962.sha256(input)).getInt();
    }

    static String hex(int keyId) {
        return HexFormat.of().formatHex(ByteBuffer.allocate(4).putInt(keyId).array());
    }

    static PublicKey publicKey(byte[] raw) throws GeneralSecurityException {
        byte[] spki = HexFormat.of().parseHex("302a300506032b6570032100");
        byte[] encoded = Arrays.copyOf(spki, spki.length + 32);
        System.arraycopy(raw, 0, encoded, spki.length, 32);
        return KeyFactory.getInstance("Ed25519").generatePublic(new java.security.spec.X509EncodedKeySpec(encoded));
    }

    @Override
    public String toString() {
        return "LogKey[" + name + "+" + hex(keyId) + "]";
    }

    /** Hands the generator exactly the seed we already have. */
    private static final class FixedBytes extends SecureRandom {
        private final byte[] bytes;

        FixedBytes(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public void nextBytes(byte[] out) {
            if (out.length != bytes.length) {
                throw new IllegalStateException("expected a request for " + bytes.length + " bytes");
            }
            System.arraycopy(bytes, 0, out, 0, out.length);
        }
    }
}
