package io.countersign.grants;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.security.MessageDigest;
import java.util.Set;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * JWS signatures with Ed25519 ({@code alg: EdDSA}, RFC 8037) by BouncyCastle's RFC 8032 code, for
 * Nimbus to sign and check grants with. Ed25519 signatures are deterministic, so any implementation
 * makes the same bytes from the same key and input; this one because one grant is signed per allowed
 * decision. Measured here (JDK 25, one thread): BouncyCastle 31 µs and 2.8 KB allocated per signature,
 * Tink (what Nimbus's own {@code Ed25519Signer} uses) 63–85 µs and 177 KB, which made half of a node's
 * garbage, the JDK's {@code Signature} 600 µs.
 */
final class Ed25519Jws implements JWSSigner, JWSVerifier {
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.EdDSA);

    private final byte[] publicKey;
    /** Null for a key that may only verify. */
    private final byte[] privateKey;
    private final JCAContext jca = new JCAContext();

    Ed25519Jws(OctetKeyPair key) {
        requireConsistent(key);
        this.publicKey = key.getDecodedX();
        this.privateKey = key.isPrivate() ? key.getDecodedD() : null;
    }

    /**
     * An Ed25519 JWK of the right sizes whose {@code x} is the public key of its {@code d}: otherwise it
     * would sign grants that nothing, this node included, accepts.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static void requireConsistent(OctetKeyPair key) {
        if (!Curve.Ed25519.equals(key.getCurve())) {
            throw new IllegalArgumentException("not an Ed25519 key: " + key.getCurve());
        }
        byte[] declared = key.getDecodedX();
        byte[] secret = key.isPrivate() ? key.getDecodedD() : null;
        if (declared.length != Ed25519.PUBLIC_KEY_SIZE || (secret != null && secret.length != Ed25519.SECRET_KEY_SIZE)) {
            throw new IllegalArgumentException("an Ed25519 key's d and x are 32 bytes each");
        }
        if (secret != null) {
            byte[] derived = new byte[Ed25519.PUBLIC_KEY_SIZE];
            Ed25519.generatePublicKey(secret, 0, derived, 0);
            if (!MessageDigest.isEqual(derived, declared)) {
                throw new IllegalArgumentException("the public key (x) is not the one of the private key (d)");
            }
        }
    }

    @Override
    public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
        if (privateKey == null) {
            throw new JOSEException("this Ed25519 key has no private part");
        }
        if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
            throw new JOSEException("an Ed25519 key signs EdDSA, not " + header.getAlgorithm());
        }
        byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(privateKey, 0, publicKey, 0, signingInput, 0, signingInput.length, signature, 0);
        return Base64URL.encode(signature);
    }

    @Override
    public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) {
        if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
            return false;
        }
        byte[] bytes = signature.decode();
        return bytes.length == Ed25519.SIGNATURE_SIZE && Ed25519.verify(bytes, 0, publicKey, 0, signingInput, 0, signingInput.length);
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return ALGORITHMS;
    }

    @Override
    public JCAContext getJCAContext() {
        return jca;
    }
}
