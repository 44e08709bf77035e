package io.countersign.cli;

import io.countersign.sdk.OutcomeDelivery;
import io.countersign.client.JsonApi;
import io.countersign.json.Json;
import io.countersign.policy.DurationText;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Gate mode for scripts and CI: ask, wait for people, claim the approval (so that of every process holding
 * it exactly one runs), then run the command here, exactly the argv that was approved (it is the payload,
 * so it is in the digest), and report how it went.
 */
@Command(name = "run", description = {"Submit a command as an action, wait for approval, claim it, run it and report the outcome.",
        "Exit: the command's own exit code when it ran; 3 denied, 4 expired, 5 cancelled, 6 still pending at --timeout,",
        "8 claimed and run by another holder of the same approval, 1 error.",
        "Example: countersign run --action db.dump --resource-type postgres.database --resource prod/main --env prod -- pg_dump main"})
final class RunCommand extends ClientCommand {
    private static final Duration POLL = Duration.ofSeconds(20);
    private static final Duration FIRST_REPORT_RETRY = Duration.ofSeconds(1);

    @Option(names = "--action", required = true, description = "What the command does, e.g. db.dump")
    String action;

    @Option(names = "--resource", required = true, description = "What it acts on, e.g. prod/main")
    String resource;

    @Option(names = "--resource-type", defaultValue = "command", description = "Kind of target (default ${DEFAULT-VALUE})")
    String resourceType;

    @Option(names = "--env", description = "Environment of the target, e.g. prod")
    String env;

    @Option(names = "--summary", description = "One line for reviewers (default: the command line)")
    String summary;

    @Option(names = "--reason", description = "Why it must run")
    String reason;

    @Option(names = "--ticket", description = "Change or incident reference")
    String ticket;

    @Option(names = "--timeout", defaultValue = "1h", description = "Stop waiting for a decision after this long (default ${DEFAULT-VALUE})")
    String timeout;

    @Parameters(paramLabel = "CMD", arity = "1..*", description = "The command and its arguments, after --")
    List<String> command = new ArrayList<>();

    @Override
    int run(JsonApi api) {
        Duration limit = timeoutOption(timeout);
        if (limit == null) {
            return ExitCode.USAGE;
        }
        JsonApi.Answer answer = api.post("v1/actions", request());
        if (!answer.ok() && !answer.body().has("status")) {
            return fail(answer);
        }
        String id = answer.body().path("id").asString();
        Instant deadline = Instant.now().plus(limit);
        while ("pending".equals(answer.body().path("status").asString()) && Instant.now().isBefore(deadline)) {
            progress(answer.body(), deadline);
            long seconds = Math.max(1, Math.min(POLL.toSeconds(), Duration.between(Instant.now(), deadline).toSeconds()));
            answer = api.get(idPath(id) + "?wait=" + seconds + "s", Duration.ofSeconds(seconds + 30));
            if (!answer.ok()) {
                return fail(answer);
            }
        }
        JsonNode action = answer.body();
        String status = action.path("status").asString();
        if (status.equals("executed") || status.equals("failed")) {
            // Another holder of the same approval claimed it between our wait and now: it ran there, not here.
            err().println("countersign: " + id + " was not run: it was already run by another holder of its approval (" + status + ")");
            err().flush();
            return ExitCode.CLAIMED_ELSEWHERE;
        }
        if (!status.equals("allowed") && !status.equals("approved")) {
            err().println("countersign: " + id + " is " + status + (status.equals("pending") ? " after " + timeout : "")
                    + "; the command did not run" + reason(action));
            err().flush();
            return ExitCode.forStatus(status);
        }
        JsonNode grant = action.path("grant");
        if (grant.path("token").asString(null) == null) {
            err().println("countersign: " + id + " is " + status + " but no grant came with it (was it already run?)");
            return ExitCode.ERROR;
        }
        // Claim before running: the grant is used on the server by compare-and-set, so one process runs it.
        ObjectNode claim = Json.object();
        claim.put("grant", grant.path("token").asString());
        JsonApi.Answer claimed = api.post(idPath(id) + "/claim", claim);
        if (!claimed.ok()) {
            String code = claimed.body().path("error").path("code").asString("");
            err().println("countersign: " + id + " was not run: " + claimed.errorMessage());
            err().flush();
            return ExitCode.forClaimRefusal(code);
        }
        err().println("countersign: " + id + " " + status + " and claimed; running " + String.join(" ", command));
        err().flush();
        int exit;
        try {
            exit = new ProcessBuilder(command).inheritIO().start().waitFor();
        } catch (IOException e) {
            report(api, id, grant, false, "could not start: " + e.getMessage());
            err().println("countersign: cannot run " + command.getFirst() + ": " + e.getMessage());
            return ExitCode.ERROR;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            report(api, id, grant, false, "interrupted");
            return ExitCode.ERROR;
        }
        report(api, id, grant, exit == 0, exit == 0 ? null : "exit code " + exit);
        return exit;
    }

    private ObjectNode request() {
        ObjectNode body = Json.object();
        body.put("action", action);
        ObjectNode target = body.putObject("resource");
        target.put("type", resourceType);
        target.put("id", resource);
        if (env != null) {
            target.put("env", env);
        }
        ObjectNode intent = body.putObject("intent");
        intent.put("summary", summary != null ? summary : abbreviate(String.join(" ", command)));
        if (reason != null) {
            intent.put("reason", reason);
        }
        if (ticket != null) {
            intent.put("ticket", ticket);
        }
        // The argv is the payload: approval covers exactly this command line.
        command.forEach(body.putObject("payload").putArray("argv")::add);
        return body;
    }

    private void progress(JsonNode action, Instant deadline) {
        StringBuilder line = new StringBuilder("countersign: waiting for approval of " + action.path("id").asString());
        for (JsonNode requirement : action.path("quorum").path("requirements").values()) {
            line.append("; ").append(requirement.path("approvals").asInt()).append('/').append(requirement.path("min").asInt())
                    .append(" from ").append(String.join(" or ", requirement.path("from").values().stream().map(JsonNode::asString).toList()));
        }
        if (action.has("expires_at")) {
            Duration left = Duration.between(Instant.now(), Instant.parse(action.path("expires_at").asString()));
            line.append("; expires in ").append(DurationText.format(Duration.ofSeconds(Math.max(0, left.toSeconds()))));
        }
        Duration waiting = Duration.between(Instant.now(), deadline);
        line.append(" (giving up in ").append(DurationText.format(Duration.ofSeconds(Math.max(0, waiting.toSeconds())))).append(')');
        err().println(line);
        err().flush();
    }

    /** Why it may not run, with the rule that decided where one did. */
    private static String reason(JsonNode action) {
        String message = action.path("error").path("message").asString("");
        String rule = action.path("error").path("rule").asString(action.path("decision").path("rule").asString(""));
        return (message.isEmpty() ? "" : ": " + message) + (rule.isEmpty() ? "" : " (rule " + rule + ")");
    }

    /**
     * Reports how the command went, sent again while the node is away (until the grant expires); the
     * command ran, so whatever becomes of its report, its own exit code is what the caller gets.
     */
    private void report(JsonApi api, String id, JsonNode grant, boolean succeeded, String detail) {
        String failure = new OutcomeDelivery(api.sdk(), FIRST_REPORT_RETRY).deliver(id, grant.path("token").asString(), succeeded, detail,
                OutcomeDelivery.grantExpiry(grant.path("expires_at").asString(null)), (why, pause) -> {
                    err().println("countersign: recording the outcome failed (" + why + "); trying again in " + DurationText.format(pause));
                    err().flush();
                });
        if (failure != null) {
            err().println("countersign: the outcome was not recorded: " + failure);
            err().flush();
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 199) + "…" : text;
    }
}
