package dev.jrnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jrnn} command line. Subcommands parse options and call the library; no maths here.
 * Bad flags print one clear line and exit with status 2; failures exit with status 1.
 */
@Command(name = "jrnn", mixinStandardHelpOptions = true, version = "jrnn 0.1.0-SNAPSHOT",
        description = "Recurrent neural networks for the JVM.",
        subcommands = {DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Entry point. */
    public static void main(String[] args) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            // one line per log record ("INFO: jrnn BLAS backend ..."), not java.util.logging's two-line default
            System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
        }
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit status (used by tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("jrnn: " + ex.getMessage() + " (see --help)");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("jrnn: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
