package io.countersign.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.logging.LogManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "countersign", mixinStandardHelpOptions = true, version = "countersign 0.1.0",
        description = "Human approval for automated actions: policy, review and a verifiable record.",
        subcommands = {ServeCommand.class, RequestCommand.class, GetCommand.class, WaitCommand.class, ListCommand.class,
                ReviewCommand.Approve.class, ReviewCommand.Deny.class, DelegateCommand.class, CancelCommand.class, BreakGlassCommand.class,
                BreakGlassCommand.Review.class, RunCommand.class, ExecuteCommand.class,
                PolicyCommand.class, ReportCommand.class, AuditCommand.class, McpCommand.class, BackupCommand.class,
                KeysCommand.class, StatusCommand.class})
public final class Main {
    public static void main(String[] args) {
        configureLogging();
        System.exit(commandLine().execute(args));
    }

    /** The command line with its error handling; tests run commands through this too. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        withHelp(commandLine);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("countersign: " + e.getMessage());
            return ExitCode.ERROR;
        });
        return commandLine;
    }

    /** Every command and subcommand answers {@code --help} (and {@code -h}), whatever else it requires. */
    private static void withHelp(CommandLine command) {
        command.getCommandSpec().mixinStandardHelpOptions(true);
        command.getSubcommands().values().forEach(Main::withHelp);
    }

    private static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        try (InputStream in = Main.class.getResourceAsStream("logging.properties")) {
            if (in != null) {
                LogManager.getLogManager().readConfiguration(in);
            }
        } catch (IOException e) {
            System.err.println("countersign: logging configuration unreadable: " + e.getMessage());
        }
    }
}
