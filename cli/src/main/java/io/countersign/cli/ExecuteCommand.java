package io.countersign.cli;

import io.countersign.client.JsonApi;
import io.countersign.json.Json;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/**
 * Proxy mode from the shell: Countersign runs your allowed or approved action through its connector,
 * once, and its output streams here as it is produced.
 */
@Command(name = "execute", description = {
        "Have Countersign run your allowed or approved action through its connector (proxy mode), once.",
        "A command's output streams here; the exit code is the command's own. Waits first while the action is pending (--timeout)."})
final class ExecuteCommand extends ClientCommand {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--timeout", defaultValue = "0s", description = "How long to wait for a pending action to be decided (default: do not wait).")
    String timeout;

    @Override
    int run(JsonApi api) {
        Duration limit = timeoutOption(timeout);
        if (limit == null) {
            return ExitCode.USAGE;
        }
        JsonApi.Answer action = limit.isZero() ? api.get(idPath(id), Duration.ofSeconds(30))
                : awaitDecision(api, id, Instant.now().plus(limit));
        if (!action.ok()) {
            return fail(action);
        }
        String grant = action.body().path("grant").path("token").asString("");
        if (grant.isEmpty()) {
            String status = action.body().path("status").asString();
            err().println("countersign: action " + id + " is " + status + "; only its requester can run it, while it is allowed or approved");
            err().flush();
            int code = ExitCode.forStatus(status);
            return code == ExitCode.OK ? ExitCode.ERROR : code;
        }
        var body = Json.object();
        body.put("grant", grant);
        int[] exit = {ExitCode.ERROR};
        JsonApi.Answer refused = api.postStreaming(idPath(id) + "/execute", body, Duration.ofHours(2), event -> {
            switch (event.path("event").asString()) {
                case "output" -> {
                    var target = "stderr".equals(event.path("stream").asString()) ? err() : out();
                    target.print(event.path("text").asString());
                    target.flush();
                }
                case "finished" -> exit[0] = finished(event);
                case "error" -> {
                    err().println("countersign: " + event.path("error").path("message").asString());
                    err().flush();
                }
                default -> {
                    // "started" and events a newer server may add
                }
            }
        });
        return refused != null ? fail(refused) : exit[0];
    }

    private int finished(JsonNode event) {
        JsonNode result = event.path("result");
        boolean succeeded = "succeeded".equals(event.path("outcome").asString());
        if (options.json || !result.has("exit_code") && !result.has("error")) {
            out().println(Json.text(options.json ? event : result));
            out().flush();
        }
        String summary = result.has("exit_code") ? "exit " + result.path("exit_code").asInt()
                : result.has("status") ? "HTTP " + result.path("status").asInt() : event.path("outcome").asString();
        err().println("countersign: " + id + " ran through connector " + result.path("connector").asString() + ": " + summary
                + (result.has("error") ? " — " + result.path("error").asString() : "")
                + (result.path("truncated").asBoolean() ? " (output truncated)" : ""));
        err().flush();
        if (result.has("exit_code") && !result.path("timed_out").asBoolean()) {
            return result.path("exit_code").asInt();
        }
        return succeeded ? ExitCode.OK : ExitCode.RUN_FAILED;
    }
}
