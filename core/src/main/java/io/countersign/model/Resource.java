package io.countersign.model;

import java.util.Map;
import java.util.Objects;

/**
 * The target of an action: what kind of thing, which one, in which environment, with labels such
 * as {@code data_class: pii} that policy can match on.
 *
 * @param env    environment name ({@code prod}, {@code staging}); null when not stated
 * @param labels free-form string labels; never null
 */
public record Resource(String type, String id, String env, Map<String, String> labels) {
    public Resource {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(id, "id");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** Human headline form: {@code postgres.table prod/customers (prod)}. */
    public String headline() {
        return type + " " + id + (env == null ? "" : " (" + env + ")");
    }
}
