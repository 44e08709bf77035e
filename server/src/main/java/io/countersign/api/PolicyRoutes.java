package io.countersign.api;

import io.countersign.identity.Identities;
import io.countersign.inventory.Inventory;
import io.countersign.json.ActionRequestJson;
import io.countersign.lifecycle.Reloader;
import io.countersign.model.ActionRequest;
import io.countersign.model.InvalidInputException;
import io.countersign.model.Principal;
import io.countersign.policy.ActivePolicy;
import io.countersign.policy.Explanation;
import io.countersign.policy.Policy;
import io.countersign.policy.PolicyInput;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * {@code /v1/policy}: the active policy with its load history (humans), and a dry run that evaluates a
 * request and explains the result without storing anything (anyone, for themselves; humans may ask
 * {@code ?as=} another principal, to see what an agent would get).
 */
public final class PolicyRoutes implements HttpService {
    private static final int HISTORY = 50;

    private final ActivePolicy policy;
    private final Supplier<Inventory> inventory;
    private final Reloader<Policy> reloader;
    private final Supplier<Identities> identities;
    private final Authenticator authenticator;
    private final long maxBodyBytes;
    private final Clock clock;

    public PolicyRoutes(ActivePolicy policy, Supplier<Inventory> inventory, Reloader<Policy> reloader, Supplier<Identities> identities,
                        Authenticator authenticator, long maxBodyBytes, Clock clock) {
        this.policy = policy;
        this.inventory = inventory;
        this.reloader = reloader;
        this.identities = identities;
        this.authenticator = authenticator;
        this.maxBodyBytes = maxBodyBytes;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::show)
                .post("/evaluate", this::evaluate);
    }

    private void show(ServerRequest request, ServerResponse response) {
        authenticator.requireHuman(authenticator.authenticate(request));
        JsonResponses.send(response, Status.OK_200, PolicyRepresentation.of(policy.current(), reloader.history(HISTORY)));
    }

    private void evaluate(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        Principal subject = caller;
        var as = request.query().first("as");
        if (as.isPresent() && !as.get().equals(caller.id())) {
            authenticator.requireHuman(caller);
            subject = identities.get().byId(as.get())
                    .orElseThrow(() -> new InvalidInputException("as", "'as' names no known principal: " + as.get()));
        }
        ActionRequest action = ActionRequestJson.fromJson(RequestBodies.json(request, maxBodyBytes));
        // Explained as it would be decided: with the inventory's facts about the resource.
        Inventory.Resolved resolved = inventory.get().resolve(action);
        Policy active = policy.current();
        Explanation explanation = active.explain(new PolicyInput(subject, resolved.request(), clock.instant(), resolved.facts()));
        JsonResponses.send(response, Status.OK_200, PolicyRepresentation.of(explanation, subject.id()));
    }
}
