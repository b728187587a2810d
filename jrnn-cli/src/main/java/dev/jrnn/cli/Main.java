package dev.jrnn.cli;

import dev.jrnn.io.Limits;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.Printable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code jrnn} command line. Subcommands parse options and call the library; no maths here.
 * Bad flags and bad values print one clear line and exit with status 2; failures (a missing or damaged file,
 * training that diverged) print one line and exit with status 1. Never a stack trace. Every command with options also
 * reads them from a JSON file, {@code --config FILE} ({@link ConfigFile}); flags on the command line win.
 */
@Command(name = "jrnn", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, SampleCommand.class, EmbedCommand.class,
                PredictCommand.class, InspectCommand.class, ExportCommand.class, ImportCommand.class, CommandLine.HelpCommand.class},
        description = {"Recurrent neural networks for the JVM.",
                "Every command with options also reads them from a JSON file: --config FILE (command-line flags win)."},
        footer = {"", "Start with:  jrnn demo          (an LSTM learns Shakespeare in a minute)",
                "Then:        jrnn train lm --help"})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * The logger of the BLAS backend's one-time line (which backend, which library): quiet unless {@code --verbose};
     * a warning (the native library could not be loaded) is always shown. Held here, as java.util.logging keeps only
     * weak references to its loggers and would forget the level.
     */
    private static final Logger BLAS_LOG = Logger.getLogger("dev.jrnn.tensor.Blas");

    /** {@code --verbose} on every command: also print the BLAS backend line on standard error. */
    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Also print diagnostics on standard error: which BLAS backend (library) multiplies matrices.")
    void verbose(boolean on) {
        BLAS_LOG.setLevel(on ? Level.INFO : Level.WARNING);
    }

    /** {@code jrnn --version}: the version of the jrnn jar in use. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"jrnn " + ModelFile.jrnnVersion()};
        }
    }

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
        BLAS_LOG.setLevel(Level.WARNING);                             // until --verbose says otherwise
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        ConfigFile.addOption(cl);
        ConfigFile config;
        try {
            config = ConfigFile.load(cl, args);                       // --config FILE: the file's values become defaults
        } catch (ConfigFile.Problem p) {
            cl.getErr().println("jrnn: " + oneLine(p.getMessage()));
            cl.getErr().flush();
            return p.status;
        }
        cl.setParameterExceptionHandler((ex, a) -> {
            String message = oneLine(ex.getMessage());
            String from = config == null ? null : config.explain(ex, message);
            ex.getCommandLine().getErr().println("jrnn: " + message + " (" + (from == null ? "" : from + "; ") + "see "
                    + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("jrnn: " + describe(ex));
            return 1;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // picocli hands only Exceptions to the handler above; an Error leaves execute(). By now the stack that held
            // the large arrays is gone, so printing one line is safe.
            cl.getErr().println("jrnn: " + outOfMemory(e));
            cl.getErr().flush();
            return 1;
        }
    }

    /** The one line for an {@link OutOfMemoryError}: what ran out, the heap's limit, and what to change. */
    static String outOfMemory(OutOfMemoryError e) {
        String what = e.getMessage() == null || e.getMessage().isBlank() ? "" : " (" + oneLine(e.getMessage()) + ")";
        return "out of memory" + what + "; this JVM may use at most " + Limits.bytes(Runtime.getRuntime().maxMemory())
                + ": use smaller sizes (--hidden, --layers, --batch, --embedding, shorter inputs) or "
                + Limits.moreMemory(0);
    }

    /**
     * One line for an exception: its message, with the few JDK exceptions whose message is only a path explained.
     * Control characters a message quotes from a file are escaped ({@link Printable}), so they cannot drive the
     * terminal.
     */
    static String describe(Exception ex) {
        if (ex instanceof NoSuchFileException) return Printable.of(ex.getMessage() + ": no such file");
        if (ex instanceof AccessDeniedException) return Printable.of(ex.getMessage() + ": permission denied");
        String m = ex.getMessage();
        return m == null || m.isBlank() ? Printable.of(ex.toString()) : oneLine(m);
    }

    /** A message on one line (line breaks and the blanks around them become one space), control characters escaped. */
    private static String oneLine(String s) {
        return s == null ? "" : Printable.of(s.strip().replaceAll("\\s*\\R\\s*", " "));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
