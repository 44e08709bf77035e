package io.countersign.bench.policy;

import io.countersign.json.Json;
import io.countersign.model.ActionRequest;
import io.countersign.model.Intent;
import io.countersign.model.Principal;
import io.countersign.model.Resource;
import io.countersign.policy.Policy;
import io.countersign.policy.PolicyInput;
import io.countersign.policy.PolicyLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;

/** Countersign's own policy engine (CEL conditions, planner runtime), loaded from the rules' YAML as the server loads it. */
public final class CountersignEngine implements PolicyEngineUnderTest {
    private static final Intent INTENT = new Intent("benchmark request", null, null);
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private final Policy policy;

    public CountersignEngine(ComparedRules rules) {
        try {
            Path directory = Files.createTempDirectory("countersign-bench-policy");
            Files.writeString(directory.resolve("rules.yaml"), rules.countersignYaml());
            policy = new PolicyLoader(Set.of("sre")).load(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public ComparedRules.Effect decide(Sample sample) {
        Principal principal = new Principal(sample.principal(), sample.kind().equals("agent") ? Principal.Kind.AGENT : Principal.Kind.HUMAN,
                sample.principal(), null, Set.of(), null);
        var context = Json.object();
        if (sample.rowsEstimate() != null) {
            context.put("rows_estimate", sample.rowsEstimate());
        }
        ActionRequest request = new ActionRequest(sample.action(),
                new Resource(sample.resourceType(), sample.resourceId(), sample.env(), sample.labels()), INTENT, null, context, null);
        return switch (policy.evaluate(new PolicyInput(principal, request, NOW)).effect()) {
            case "allow" -> ComparedRules.Effect.ALLOW;
            case "deny" -> ComparedRules.Effect.DENY;
            default -> ComparedRules.Effect.REQUIRE_APPROVAL;
        };
    }
}
