package io.countersign.policy;

/** Content hash of a loaded policy directory, {@code sha256:<hex>}; recorded with every decision. */
public record PolicyVersion(String value) {
    @Override
    public String toString() {
        return value;
    }
}
