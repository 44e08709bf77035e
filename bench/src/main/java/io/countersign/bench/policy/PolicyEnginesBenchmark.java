package io.countersign.bench.policy;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * The same rule set decided by Countersign's CEL policy and by Cedar (cedar-java), one thread, over a
 * fixed mix of 1,024 requests. Before measuring, both engines decide every request and must agree on
 * each one: a benchmark of engines that decide differently would compare nothing.
 */
@State(Scope.Benchmark)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PolicyEnginesBenchmark {
    private static final int SAMPLES = 1024;

    @Param({"countersign", "cedar"})
    String engine;

    @Param({"20", "200"})
    int rules;

    private PolicyEngineUnderTest underTest;
    private Sample[] samples;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        ComparedRules ruleSet = ComparedRules.of(rules);
        List<Sample> mix = Sample.generate(SAMPLES, ruleSet.services(), 42);
        PolicyEngineUnderTest countersign = new CountersignEngine(ruleSet);
        PolicyEngineUnderTest cedar = new CedarEngine(ruleSet);
        Map<ComparedRules.Effect, Integer> effects = crossCheck(countersign, cedar, mix);
        System.out.println("# " + rules + " rules, " + SAMPLES + " requests, both engines agree on each: " + effects);
        underTest = engine.equals("cedar") ? cedar : countersign;
        samples = mix.toArray(Sample[]::new);
    }

    /** Both engines' decisions for every sample; throws at the first disagreement. */
    static Map<ComparedRules.Effect, Integer> crossCheck(PolicyEngineUnderTest countersign, PolicyEngineUnderTest cedar, List<Sample> mix) {
        Map<ComparedRules.Effect, Integer> effects = new EnumMap<>(ComparedRules.Effect.class);
        for (Sample sample : mix) {
            ComparedRules.Effect ours = countersign.decide(sample);
            ComparedRules.Effect theirs = cedar.decide(sample);
            if (ours != theirs) {
                throw new IllegalStateException("engines disagree on " + sample + ": Countersign " + ours + ", Cedar " + theirs);
            }
            effects.merge(ours, 1, Integer::sum);
        }
        return effects;
    }

    private Sample nextSample() {
        Sample sample = samples[next];
        next = (next + 1) & (SAMPLES - 1);
        return sample;
    }

    /** Decisions per second. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public ComparedRules.Effect throughput() {
        return underTest.decide(nextSample());
    }

    /** Time per decision, sampled: JMH reports p50 and p99. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public ComparedRules.Effect latency() {
        return underTest.decide(nextSample());
    }
}
