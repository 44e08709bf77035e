package io.countersign.cli;

import io.countersign.client.JsonApi;
import io.countersign.json.Json;
import java.time.Duration;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * Out of office: hand your reviews to someone else for a while, list what you gave and hold, end one early.
 * Each is an entry of the audit log; a review given under a delegation reads "frank for alice".
 */
@Command(name = "delegate", description = "Hand your reviews to another human for a while (out of office); --list, --end ID.")
final class DelegateCommand extends ClientCommand {
    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    static final class What {
        @Option(names = "--to", description = "The human (id or e-mail) who reviews for you meanwhile")
        String to;

        @Option(names = "--list", description = "The delegations you gave or hold, in force or to come")
        boolean list;

        @Option(names = "--end", paramLabel = "ID", description = "End a delegation you gave now")
        String end;
    }

    @Option(names = "--until", description = "When it ends: an instant (2026-12-20T18:00:00Z) or a date (2026-12-20); at most 90 days")
    String until;

    @Option(names = "--from", description = "When it starts (default now)")
    String from;

    @Option(names = "--reason", description = "Why, for the log")
    String reason;

    @Override
    int run(JsonApi api) {
        JsonApi.Answer answer;
        if (what.list) {
            answer = api.get("/v1/delegations", Duration.ofSeconds(30));
        } else if (what.end != null) {
            answer = api.delete("/v1/delegations/" + what.end);
        } else {
            if (until == null) {
                err().println("countersign: delegate --to needs --until (when it ends)");
                return ExitCode.USAGE;
            }
            var body = Json.object();
            body.put("to", what.to);
            body.put("until", until);
            if (from != null) {
                body.put("from", from);
            }
            if (reason != null) {
                body.put("reason", reason);
            }
            answer = api.post("/v1/delegations", body);
        }
        if (!answer.ok()) {
            return fail(answer);
        }
        if (options.json) {
            out().println(Json.text(answer.body()));
        } else if (what.list) {
            answer.body().path("delegations").values().forEach(this::print);
            if (answer.body().path("delegations").isEmpty()) {
                out().println("no delegations given or held");
            }
        } else {
            print(answer.body());
        }
        out().flush();
        return ExitCode.OK;
    }

    private void print(JsonNode d) {
        out().println(d.path("id").asString() + "  " + d.path("to").asString() + " reviews for " + d.path("from").asString() + " from "
                + d.path("starts").asString() + " until " + d.path("ends").asString() + (d.path("in_force").asBoolean() ? " (in force)" : "")
                + (d.has("reason") ? "  — " + d.path("reason").asString() : ""));
    }
}
