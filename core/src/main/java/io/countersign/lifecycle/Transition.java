package io.countersign.lifecycle;

import io.countersign.events.ActionEvent;

import java.util.List;

/** The outcome of applying a {@link LifecycleEvent}: a new record to store, or a refusal with its reason. */
public sealed interface Transition {
    /**
     * @param review the review to append, or null
     * @param events what to record with the change, in order
     */
    record Applied(ActionRecord next, Review review, List<ActionEvent> events) implements Transition {
        public Applied {
            events = List.copyOf(events);
        }
    }

    record Refused(Refusal reason, String message) implements Transition {
    }
}
