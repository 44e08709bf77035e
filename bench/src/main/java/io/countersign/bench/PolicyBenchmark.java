package io.countersign.bench;

import io.countersign.json.Json;
import io.countersign.model.ActionRequest;
import io.countersign.model.Intent;
import io.countersign.model.Principal;
import io.countersign.model.Resource;
import io.countersign.policy.Decision;
import io.countersign.policy.Policy;
import io.countersign.policy.PolicyInput;
import io.countersign.policy.PolicyLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Evaluation of one decision by a policy of {@code rules} rules, on one thread. The rules are the shapes
 * real policies have: an action (exact or prefix), an environment, a label, the principal's kind, a
 * payload field, a context number. The request matches three of them, as typical requests do.
 */
@State(Scope.Benchmark)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class PolicyBenchmark {
    @Param({"100"})
    int rules;

    /**
     * Whether conditions name the action in a form the engine indexes ({@code action == "x"},
     * {@code action.startsWith("x.")}). With false, every rule is evaluated: the worst case.
     */
    @Param({"true", "false"})
    boolean actionGuards;

    Policy policy;
    PolicyInput matchingThree;
    PolicyInput matchingNone;

    @Setup
    public void load() {
        try {
            Path directory = Files.createTempDirectory("countersign-bench");
            Files.writeString(directory.resolve("bench.yaml"), policyText(rules, actionGuards));
            policy = new PolicyLoader(Set.of("sre", "data-owners", "security")).load(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Principal agent = new Principal("deploy-agent", Principal.Kind.AGENT, "Deploy agent", null, Set.of(), "carol");
        Instant now = Instant.parse("2026-11-24T10:00:00Z");
        matchingThree = new PolicyInput(agent, new ActionRequest("svc7.export",
                new Resource("postgres.table", "prod/customers", "prod", Map.of("data_class", "pii", "team", "growth")),
                new Intent("Export customers for the churn model", null, "OPS-1"),
                Json.parse("{\"rows\": 1200000, \"format\": \"csv\"}"), contextOf(250), null), now);
        matchingNone = new PolicyInput(agent, new ActionRequest("other.read",
                new Resource("s3.bucket", "logs", "dev", Map.of()), new Intent("Read logs", null, null),
                Json.parse("{}"), contextOf(1), null), now);
    }

    private static tools.jackson.databind.node.ObjectNode contextOf(int rowsEstimate) {
        var context = Json.object();
        context.put("rows_estimate", rowsEstimate);
        context.put("agent_run", "run-77");
        return context;
    }

    /** {@code count} rules cycling through five shapes, each over its own service so few match at once. */
    static String policyText(int count, boolean guarded) {
        StringBuilder yaml = new StringBuilder("version: 1\ndefault: require_approval\nrules:\n");
        for (int i = 0; i < count; i++) {
            String service = "svc" + (i / 5);
            String when = switch (i % 5) {
                case 0 -> "action == \"" + service + ".export\" && resource.env == \"prod\"";
                case 1 -> "action.startsWith(\"" + service + ".\") && has(resource.labels.data_class) && resource.labels.data_class == \"pii\"";
                case 2 -> "action == \"" + service + ".delete\" && principal.kind == \"agent\"";
                case 3 -> "action.startsWith(\"" + service + ".\") && has(payload.rows) && payload.rows > 1000000";
                default -> "action == \"" + service + ".read\" || (action == \"" + service + ".list\" && context.rows_estimate < 100)";
            };
            String effect = switch (i % 5) {
                case 0, 1 -> "require_approval\n    approvals: {min: " + (1 + i % 2) + ", from: [sre, data-owners]}";
                case 2, 3 -> i % 10 == 3 ? "deny" : "require_approval";
                default -> "allow";
            };
            if (!guarded) {
                // An alternative that names no action makes the whole condition unindexable; it never holds.
                when = "(" + when + ") || resource.type == \"never\"";
            }
            yaml.append("  - id: rule-").append(i).append('\n')
                    .append("    when: '").append(when).append("'\n")
                    .append("    effect: ").append(effect).append('\n');
        }
        return yaml.toString();
    }

    /** Decisions per second, one thread. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Decision throughputMatchingThree() {
        return policy.evaluate(matchingThree);
    }

    /** Time per decision, sampled: JMH reports p50, p99 and p99.9. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Decision latencyMatchingThree() {
        return policy.evaluate(matchingThree);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Decision throughputMatchingNone() {
        return policy.evaluate(matchingNone);
    }
}
