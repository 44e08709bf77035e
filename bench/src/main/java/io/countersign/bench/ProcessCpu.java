package io.countersign.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time taken by this benchmark's own processes (itself and every process it started), read twice
 * to tell what one phase cost each of them: on a machine of two cores, a call's latency depends on what
 * every process next to it spends.
 */
public record ProcessCpu(Map<Long, Sample> byPid) {
    public record Sample(String name, Duration cpu) {}

    /** Each process named by the first of {@code names} (a command-line fragment → a short name) it matches. */
    public static ProcessCpu read(List<Map.Entry<String, String>> names) {
        Map<Long, Sample> samples = new LinkedHashMap<>();
        ProcessHandle self = ProcessHandle.current();
        samples.put(self.pid(), new Sample("benchmark client", self.info().totalCpuDuration().orElse(Duration.ZERO)));
        self.descendants().forEach(process -> {
            String command = process.info().commandLine().orElse("");
            names.stream().filter(name -> command.contains(name.getKey())).findFirst().ifPresent(name ->
                    samples.put(process.pid(), new Sample(name.getValue(), process.info().totalCpuDuration().orElse(Duration.ZERO))));
        });
        return new ProcessCpu(samples);
    }

    /** Microseconds of CPU per call between {@code before} and this reading, summed by name. */
    public Map<String, Double> microsPerCallSince(ProcessCpu before, int calls) {
        Map<String, Double> perCall = new LinkedHashMap<>();
        byPid.forEach((pid, now) -> {
            Sample then = before.byPid.get(pid);
            if (then != null) {
                perCall.merge(now.name(), (now.cpu().toNanos() - then.cpu().toNanos()) / 1000.0 / calls, Double::sum);
            }
        });
        return perCall;
    }
}
