package io.countersign.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that only groups subcommands: run alone, it shows their usage and exits with the usage code. */
abstract class CommandGroup implements Callable<Integer> {
    @Spec
    CommandSpec self;

    @Override
    public Integer call() {
        self.commandLine().usage(self.commandLine().getErr());
        return ExitCode.USAGE;
    }
}
