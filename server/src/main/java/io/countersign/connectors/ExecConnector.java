package io.countersign.connectors;

import io.countersign.json.Json;
import io.countersign.json.JsonFields;
import io.countersign.lifecycle.Execution;
import io.countersign.model.InvalidInputException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs a command from an argv, never through a shell: {@code ["pg_dump", "--table", "a; rm -rf /"]} passes
 * its third element to pg_dump as one literal argument. Only executables named in the allow-list run,
 * by the absolute path configured for them; the working directory is fixed and the environment is
 * exactly the configured one, secrets included, nothing inherited.
 *
 * <p>Payload: {@code {"argv": ["name", "arg", ...]}}.
 *
 * @param executables allowed names (as {@code argv[0]}) and the absolute paths they run
 * @param environment the whole environment of the command; values may hold secrets
 */
public record ExecConnector(String name, ActionPatterns actions, Map<String, Path> executables, Path workingDirectory,
                            Map<String, String> environment, Duration timeout, long maxOutputBytes, Redactor redactor)
        implements Connector {
    private static final int MAX_ARGS = 256;
    private static final int MAX_ARGV_CHARS = 128 * 1024;
    private static final File NO_INPUT = new File("/dev/null");

    public ExecConnector {
        executables = Map.copyOf(executables);
        environment = Map.copyOf(environment);
    }

    @Override
    public String type() {
        return "exec";
    }

    @Override
    public void check(JsonNode payload) {
        argv(payload);
    }

    private List<String> argv(JsonNode payload) {
        JsonFields fields = JsonFields.of(payload, "payload").onlyAllow(Set.of("argv"));
        JsonNode argv = fields.get("argv");
        if (argv == null || !argv.isArray() || argv.isEmpty()) {
            throw new InvalidInputException("payload.argv", "'payload.argv' must be a non-empty array of strings: the command and its arguments");
        }
        if (argv.size() > MAX_ARGS) {
            throw new InvalidInputException("payload.argv", "'payload.argv' has more than " + MAX_ARGS + " elements");
        }
        List<String> result = new ArrayList<>();
        int chars = 0;
        for (int i = 0; i < argv.size(); i++) {
            JsonNode element = argv.get(i);
            String field = "payload.argv[" + i + "]";
            if (!element.isString()) {
                throw new InvalidInputException(field, "'" + field + "' must be a string");
            }
            String value = element.stringValue();
            if (value.indexOf('\0') >= 0) {
                throw new InvalidInputException(field, "'" + field + "' contains a NUL character, which no argument can hold");
            }
            chars += value.length();
            result.add(value);
        }
        if (chars > MAX_ARGV_CHARS) {
            throw new InvalidInputException("payload.argv", "'payload.argv' is longer than " + MAX_ARGV_CHARS + " characters in all");
        }
        if (!executables.containsKey(result.getFirst())) {
            throw new InvalidInputException("payload.argv[0]", "'" + result.getFirst() + "' is not an executable the connector '"
                    + name + "' runs; it runs: " + String.join(", ", executables.keySet().stream().sorted().toList()));
        }
        return result;
    }

    @Override
    public ConnectorResult run(JsonNode payload, OutputSink sink) {
        List<String> command = new ArrayList<>(argv(payload));
        command.set(0, executables.get(command.getFirst()).toString());
        ProcessBuilder builder = new ProcessBuilder(ProcessGroups.inNewGroup(command)).directory(workingDirectory.toFile()).redirectInput(NO_INPUT);
        builder.environment().clear();
        builder.environment().putAll(environment);
        CappedOutput output = new CappedOutput(sink, redactor, maxOutputBytes);
        long started = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            ObjectNode result = Json.object();
            result.put("connector", name);
            return ConnectorResult.failed(result, "could not start " + command.getFirst() + ": " + e.getMessage(), started, false);
        }
        ProcessGroups.started(process);
        Thread stdout = Thread.ofVirtual().start(() -> pump(process.getInputStream(), "stdout", output));
        Thread stderr = Thread.ofVirtual().start(() -> pump(process.getErrorStream(), "stderr", output));
        boolean timedOut = false;
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
            }
            // However it ended, its whole group goes: what it left running in the background too, so that nothing
            // approved outlives its run, and nothing holds the output pipes open.
            ProcessGroups.end(process);
            process.waitFor();
            stdout.join(Duration.ofSeconds(5));
            stderr.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            ProcessGroups.end(process);
            Thread.currentThread().interrupt();
        }
        output.finish();
        ObjectNode result = Json.object();
        result.put("connector", name);
        result.put("output_bytes", output.passed());
        result.put("truncated", output.truncated());
        if (timedOut) {
            return ConnectorResult.failed(result, "timed out after " + io.countersign.policy.DurationText.format(timeout)
                    + "; the process was killed", started, true);
        }
        result.put("duration_ms", (System.nanoTime() - started) / 1_000_000);
        int exit = process.exitValue();
        result.put("exit_code", exit);
        String summary = "exit " + exit + ", " + output.passed() + " bytes of output" + (output.truncated() ? " (truncated)" : "");
        return new ConnectorResult(exit == 0 ? Execution.Outcome.SUCCEEDED : Execution.Outcome.FAILED, summary, result);
    }

    private static void pump(InputStream stream, String name, CappedOutput output) {
        char[] buffer = new char[8192];
        try (Reader reader = new InputStreamReader(stream, StandardCharsets.UTF_8)) {
            int read;
            while ((read = reader.read(buffer)) > 0) {
                output.append(name, buffer, read);
            }
        } catch (IOException e) {
            // The process was killed and its pipe closed: what was read so far stands.
        }
    }
}
