package io.countersign.cli;

import io.countersign.client.JsonApi;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "get", description = "Show one action request.")
final class GetCommand extends ClientCommand {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    int run(JsonApi api) {
        JsonApi.Answer answer = api.get(idPath(id), Duration.ofSeconds(30));
        return answer.ok() ? print(answer) : fail(answer);
    }

    private int print(JsonApi.Answer answer) {
        showAction(answer);
        return ExitCode.OK;
    }
}
