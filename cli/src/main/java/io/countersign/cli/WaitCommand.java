package io.countersign.cli;

import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "wait", description = "Wait until a request is decided. Exit 0 approved/allowed, 3 denied, 4 expired, 5 cancelled, 6 still pending at --timeout.")
final class WaitCommand extends ClientCommand {
    /** Below the server's default 60 s cap, so one poll never exceeds what the server accepts. */
    private static final Duration POLL = Duration.ofSeconds(50);

    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--timeout", description = "Give up after this long, e.g. 10m (default ${DEFAULT-VALUE})", defaultValue = "1h")
    String timeout;

    @Override
    int run(ApiClient api) {
        Duration limit = timeoutOption(timeout);
        if (limit == null) {
            return ExitCode.USAGE;
        }
        Instant deadline = Instant.now().plus(limit);
        while (true) {
            Duration left = Duration.between(Instant.now(), deadline);
            long seconds = Math.max(1, Math.min(POLL.toSeconds(), left.toSeconds()));
            ApiClient.Answer answer = api.get(idPath(id) + "?wait=" + seconds + "s", Duration.ofSeconds(seconds + 30));
            if (!answer.ok()) {
                return fail(answer);
            }
            boolean pending = "pending".equals(answer.body().path("status").asString());
            if (!pending || !Instant.now().isBefore(deadline)) {
                return showAction(answer);
            }
        }
    }
}
