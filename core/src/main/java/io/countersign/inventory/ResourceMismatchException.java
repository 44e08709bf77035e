package io.countersign.inventory;

import io.countersign.model.InvalidInputException;

/**
 * A request says something about a known resource that the inventory contradicts (another environment,
 * another value of a label the inventory sets): refused, since policy decides on the inventory's facts and
 * a reviewer must not be shown a resource that is not the one acted on. The API answers 422 {@code resource_mismatch}.
 */
public final class ResourceMismatchException extends InvalidInputException {
    public static final String CODE = "resource_mismatch";

    public ResourceMismatchException(String field, String message) {
        super(CODE, field, message);
    }
}
