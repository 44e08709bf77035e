package io.countersign.cli;

import io.countersign.client.JsonApi;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "wait", description = "Wait until a request is decided. Exit 0 approved/allowed, 3 denied, 4 expired, 5 cancelled, 6 still pending at --timeout.")
final class WaitCommand extends ClientCommand {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--timeout", description = "Give up after this long, e.g. 10m (default ${DEFAULT-VALUE})", defaultValue = "1h")
    String timeout;

    @Override
    int run(JsonApi api) {
        Duration limit = timeoutOption(timeout);
        if (limit == null) {
            return ExitCode.USAGE;
        }
        JsonApi.Answer answer = awaitDecision(api, id, Instant.now().plus(limit));
        return answer.ok() ? showAction(answer) : fail(answer);
    }
}
