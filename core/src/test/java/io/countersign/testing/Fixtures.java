package io.countersign.testing;

import io.countersign.json.Json;
import io.countersign.model.ActionRequest;
import io.countersign.model.Intent;
import io.countersign.model.Principal;
import io.countersign.model.Resource;
import java.util.Map;
import java.util.Set;

/** Principals and requests shared by tests: the same cast as the shipped example configuration. */
public final class Fixtures {
    public static final Principal ALICE = new Principal("alice", Principal.Kind.HUMAN, "Alice", "alice@example.com", Set.of("sre"), null);
    public static final Principal BOB = new Principal("bob", Principal.Kind.HUMAN, "Bob", "bob@example.com", Set.of("data-owners"), null);
    public static final Principal CAROL = new Principal("carol", Principal.Kind.HUMAN, "Carol", "carol@example.com", Set.of("sre", "data-owners"), null);
    public static final Principal DAVE = new Principal("dave", Principal.Kind.HUMAN, "Dave", "dave@example.com", Set.of("finance"), null);
    public static final Principal AGENT = new Principal("deploy-agent", Principal.Kind.AGENT, "Deploy agent", null, Set.of(), "carol");
    public static final Principal SERVICE = new Principal("ci", Principal.Kind.SERVICE, "CI", null, Set.of(), null);

    private Fixtures() {
    }

    public static ActionRequest export(String env, Map<String, String> labels, String ticket) {
        return new ActionRequest("db.export", new Resource("postgres.table", "prod/customers", env, labels),
                new Intent("Export customers for churn model", null, ticket),
                Json.parse("{\"sql\":\"COPY customers TO STDOUT\"}"), null, null);
    }

    public static ActionRequest onBehalfOf(ActionRequest request, String human) {
        var context = Json.object();
        context.put("on_behalf_of", human);
        return new ActionRequest(request.action(), request.resource(), request.intent(), request.payload(), context, request.idempotencyKey());
    }
}
