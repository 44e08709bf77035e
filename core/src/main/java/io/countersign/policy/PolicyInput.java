package io.countersign.policy;

import io.countersign.model.ActionRequest;
import io.countersign.model.Principal;
import java.time.Instant;

/** Everything a policy condition may look at. */
public record PolicyInput(Principal principal, ActionRequest request, Instant now) {
}
