package io.countersign.lifecycle;

import io.countersign.model.ActionRequest;

/**
 * A check of a submitted request that the server's edges own but the lifecycle enforces: a callback URL
 * on a host this server calls back, a request a connector can run on its resource. Runs before the request
 * is decided or stored.
 */
@FunctionalInterface
public interface SubmissionCheck {
    /** @throws io.countersign.model.InvalidInputException naming the field at fault */
    void check(ActionRequest request);
}
