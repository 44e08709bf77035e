package io.countersign.cli;

import io.countersign.client.JsonApi;
import io.countersign.json.Json;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** approve and deny: one review by the calling human. */
abstract class ReviewCommand extends ClientCommand {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = {"-m", "--comment"}, description = "Justification (required when the rule says so)")
    String comment;

    @Option(names = "--for", paramLabel = "HUMAN", description = "Review for this human, under a delegation from them in force now")
    String forWhom;

    abstract String decision();

    @Override
    int run(JsonApi api) {
        var body = Json.object();
        body.put("decision", decision());
        if (comment != null) {
            body.put("comment", comment);
        }
        if (forWhom != null) {
            body.put("for", forWhom);
        }
        JsonApi.Answer answer = api.post(idPath(id) + "/reviews", body);
        if (!answer.ok()) {
            return fail(answer);
        }
        showAction(answer);
        return ExitCode.OK;
    }

    @picocli.CommandLine.Command(name = "approve", description = "Approve a pending request.")
    static final class Approve extends ReviewCommand {
        @Override
        String decision() {
            return "approve";
        }
    }

    @picocli.CommandLine.Command(name = "deny", description = "Deny a pending request.")
    static final class Deny extends ReviewCommand {
        @Override
        String decision() {
            return "deny";
        }
    }
}
