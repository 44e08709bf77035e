package io.countersign.cli;

import io.countersign.client.JsonApi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "cancel", description = "Withdraw your own pending request.")
final class CancelCommand extends ClientCommand {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    int run(JsonApi api) {
        JsonApi.Answer answer = api.post(idPath(id) + "/cancel", emptyObject());
        if (!answer.ok()) {
            return fail(answer);
        }
        showAction(answer);
        return ExitCode.OK;
    }
}
