package io.countersign.audit;

import java.util.Arrays;

/**
 * The body of a C2SP {@code tlog-checkpoint}: the log's origin, its size and its root hash, one per line.
 * No extension lines: monitors could not audit them.
 */
public record Checkpoint(String origin, long size, byte[] root) {
    public Checkpoint {
        if (!SignedNote.isValidKeyName(origin)) {
            throw new IllegalArgumentException("a log origin must be non-empty text without spaces or '+': " + origin);
        }
        if (size < 0 || root.length != Rfc6962.HASH_SIZE) {
            throw new IllegalArgumentException("a checkpoint needs a size ≥ 0 and a 32-byte root");
        }
        root = root.clone();
    }

    @Override
    public byte[] root() {
        return root.clone();
    }

    public String body() {
        return origin + "\n" + size + "\n" + Rfc6962.base64(root) + "\n";
    }

    /** Parses a checkpoint body (the text a signed note carries). */
    public static Checkpoint parse(String body) {
        if (!body.endsWith("\n")) {
            throw new IllegalArgumentException("a checkpoint ends with a newline");
        }
        String[] lines = body.substring(0, body.length() - 1).split("\n", -1);
        if (lines.length < 3) {
            throw new IllegalArgumentException("a checkpoint has at least three lines: origin, size, root");
        }
        if (!lines[1].matches("0|[1-9][0-9]{0,18}")) {
            throw new IllegalArgumentException("the checkpoint size is not a decimal number: " + lines[1]);
        }
        return new Checkpoint(lines[0], Long.parseLong(lines[1]), Rfc6962.fromBase64(lines[2]));
    }

    public boolean sameTreeAs(Checkpoint other) {
        return origin.equals(other.origin) && size == other.size && Arrays.equals(root, other.root);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Checkpoint c && sameTreeAs(c);
    }

    @Override
    public int hashCode() {
        return origin.hashCode() * 31 + Long.hashCode(size) * 17 + Arrays.hashCode(root);
    }

    @Override
    public String toString() {
        return body().replace('\n', ' ').strip();
    }
}
