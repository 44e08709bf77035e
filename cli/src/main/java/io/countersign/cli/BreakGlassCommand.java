package io.countersign.cli;

import io.countersign.client.JsonApi;
import io.countersign.json.Json;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** break-glass: an admin lets one pending request run without its approvals, in an emergency, saying why. */
@Command(name = "break-glass", description = "Admins only, in an emergency: let a pending request run without its approvals. "
        + "The justification goes into the log, and someone who may review the request reviews it afterwards "
        + "(countersign break-glass-review).")
final class BreakGlassCommand extends ClientCommand {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = {"-j", "--justification"}, required = true,
            description = "Why this cannot wait for the approvals its policy asks for (at least 20 characters)")
    String justification;

    @Override
    int run(JsonApi api) {
        var body = Json.object();
        body.put("justification", justification);
        JsonApi.Answer answer = api.post(idPath(id) + "/break-glass", body);
        if (!answer.ok()) {
            return fail(answer);
        }
        showAction(answer);
        return ExitCode.OK;
    }

    /** The review after the fact, by someone who could have reviewed the request itself. */
    @Command(name = "break-glass-review", description = "Review a break-glass after the fact: upheld or disputed (with a comment). "
            + "List the ones you may review with: countersign ls --break-glass")
    static final class Review extends ClientCommand {
        @Parameters(paramLabel = "ID")
        String id;

        static final class Verdict {
            @Option(names = "--upheld", required = true, description = "The emergency was real and the override fitting")
            boolean upheld;

            @Option(names = "--disputed", required = true, description = "It was not (say why with --comment)")
            boolean disputed;
        }

        @ArgGroup(multiplicity = "1")
        Verdict verdict;

        @Option(names = {"-m", "--comment"}, description = "What you found (required with --disputed)")
        String comment;

        @Override
        int run(JsonApi api) {
            var body = Json.object();
            body.put("verdict", verdict.upheld ? "upheld" : "disputed");
            if (comment != null) {
                body.put("comment", comment);
            }
            JsonApi.Answer answer = api.post(idPath(id) + "/break-glass/review", body);
            if (!answer.ok()) {
                return fail(answer);
            }
            showAction(answer);
            return ExitCode.OK;
        }
    }
}
