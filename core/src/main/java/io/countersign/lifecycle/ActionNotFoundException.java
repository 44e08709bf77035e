package io.countersign.lifecycle;

/** No such action, or none the caller may see: the two are deliberately indistinguishable. */
public class ActionNotFoundException extends RuntimeException {
    public ActionNotFoundException(String id) {
        super("no action " + id);
    }
}
