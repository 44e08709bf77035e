package io.countersign.bench.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One request, in neither engine's terms: each engine builds its own input from it on every call, as a
 * gateway would from the parsed request.
 *
 * @param rowsEstimate the context's {@code rows_estimate}, or null when the request does not state it
 */
public record Sample(String principal, String kind, String action, String resourceType, String resourceId, String env,
                     Map<String, String> labels, Long rowsEstimate) {

    /** {@code count} requests over {@code services} services, from a fixed seed, so every run sees the same mix. */
    public static List<Sample> generate(int count, int services, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] verbs = {"export", "delete", "read", "list", "write"};
        String[] envs = {"prod", "staging", "dev"};
        List<Sample> samples = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            // A fifth of the requests name a service no rule covers: the default decides them.
            int service = random.nextInt(services + services / 4 + 1);
            String action = "svc" + service + "." + verbs[random.nextInt(verbs.length)];
            Map<String, String> labels = random.nextInt(3) == 0 ? Map.of("data_class", "pii", "team", "growth") : Map.of("team", "growth");
            Long rows = switch (random.nextInt(4)) {
                case 0 -> null;
                case 1 -> (long) random.nextInt(100);
                case 2 -> 1_000_000L + random.nextInt(5_000_000);
                default -> (long) random.nextInt(1_000_000);
            };
            boolean agent = random.nextInt(4) != 0;
            samples.add(new Sample(agent ? "deploy-agent" : "alice", agent ? "agent" : "human", action, "postgres.table",
                    "prod/customers-" + (i % 17), envs[random.nextInt(envs.length)], labels, rows));
        }
        return List.copyOf(samples);
    }
}
