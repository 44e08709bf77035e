package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command answers {@code --help} with its usage, whatever options it otherwise requires. */
class HelpTest {
    @Test
    void everyCommandAndSubcommandAnswersHelp() {
        List<List<String>> paths = new ArrayList<>();
        collect(Main.commandLine(), new ArrayList<>(), paths);
        assertThat(paths).hasSizeGreaterThan(20);
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Cli.Run help = Cli.run(args.toArray(String[]::new));
            assertThat(help.exit()).as("countersign %s --help: %s", String.join(" ", path), help.err()).isZero();
            assertThat(help.out()).as("countersign %s --help", String.join(" ", path))
                    .startsWith(("Usage: countersign " + String.join(" ", path)).strip());
        }
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> paths) {
        paths.add(List.copyOf(path));
        command.getSubcommands().forEach((name, sub) -> {
            if (!name.equals(sub.getCommandName())) {
                return; // an alias: the command itself is listed under its name
            }
            List<String> deeper = new ArrayList<>(path);
            deeper.add(name);
            collect(sub, deeper, paths);
        });
    }
}
