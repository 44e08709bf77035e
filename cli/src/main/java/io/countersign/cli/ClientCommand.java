package io.countersign.cli;

import io.countersign.client.JsonApi;
import io.countersign.sdk.CountersignException;
import io.countersign.json.Json;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** Base of the commands that talk to a server: shared options, output and error handling. */
abstract class ClientCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Spec
    CommandSpec spec;

    abstract int run(JsonApi api);

    @Override
    public Integer call() {
        try {
            return run(options.client());
        } catch (CountersignException e) {
            // Only an unreachable server or an answer that is not Countersign's reach here: refusals are answers.
            err().println("countersign: " + e.getMessage() + (e.getMessage().startsWith("cannot connect")
                    ? " (is `countersign serve` running? set --server or COUNTERSIGN_SERVER)" : ""));
            return ExitCode.ERROR;
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Prints an action (or the error), returning the exit code its status means. */
    int showAction(JsonApi.Answer answer) {
        if (!answer.ok() && !answer.body().has("status")) {
            return fail(answer);
        }
        if (options.json) {
            out().println(Json.text(answer.body()));
        } else {
            ActionPrinter.print(out(), answer.body());
        }
        out().flush();
        return ExitCode.forStatus(answer.body().path("status").asString());
    }

    int fail(JsonApi.Answer answer) {
        if (options.json) {
            out().println(Json.text(answer.body()));
            out().flush();
        }
        err().println("countersign: " + answer.errorMessage());
        err().flush();
        return ExitCode.ERROR;
    }

    /** A --timeout value, or null after saying what is wrong with it. */
    java.time.Duration timeoutOption(String value) {
        java.time.Duration limit = io.countersign.policy.DurationText.parse(value);
        if (limit == null) {
            err().println("countersign: --timeout must be a duration such as 90s, 15m or 1h");
            err().flush();
        }
        return limit;
    }

    /** Below the server's default 60 s cap, so one poll never exceeds what the server accepts. */
    private static final java.time.Duration POLL = java.time.Duration.ofSeconds(50);

    /** The action once it is decided, or as it stands at {@code deadline}; an error answer as it came. */
    JsonApi.Answer awaitDecision(JsonApi api, String id, java.time.Instant deadline) {
        while (true) {
            java.time.Duration left = java.time.Duration.between(java.time.Instant.now(), deadline);
            long seconds = Math.max(1, Math.min(POLL.toSeconds(), left.toSeconds()));
            JsonApi.Answer answer = api.get(idPath(id) + "?wait=" + seconds + "s", java.time.Duration.ofSeconds(seconds + 30));
            boolean pending = answer.ok() && "pending".equals(answer.body().path("status").asString());
            if (!pending || !java.time.Instant.now().isBefore(deadline)) {
                return answer;
            }
        }
    }

    static String idPath(String id) {
        return "v1/actions/" + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8);
    }

    static JsonNode emptyObject() {
        return Json.object();
    }
}
