package dev.jrnn.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@code train} command (and {@code demo}) says the same thing with the same words: an option name that two of
 * them share has the same value type and the same value label in both, and the options of the shared groups are on
 * every one of them. Walks picocli's model of the real command line, so a new command or option is checked too.
 */
class TrainOptionsTest {
    /** The flags of the shared option groups (progress, budget, checkpoint), on every train command. */
    private static final Set<String> EVERYWHERE = Set.of("--progress", "--log-every", "--minutes", "--seconds", "--max-steps",
            "--checkpoint-every", "--resume", "--overwrite", "--data", "--out", "--epochs", "--seed", "--lr", "--clip-norm");

    private static Map<String, CommandLine> trainCommands() {
        CommandLine root = new CommandLine(new Main());
        Map<String, CommandLine> out = new LinkedHashMap<>(root.getSubcommands().get("train").getSubcommands());
        out.put("demo", root.getSubcommands().get("demo"));
        return out;
    }

    private static String type(OptionSpec o) {
        Class<?> t = o.type();
        if (t == Integer.class) return "int";
        if (t == Long.class) return "long";
        if (t == Double.class) return "double";
        if (t == Boolean.class) return "boolean";
        return t.getName();
    }

    @Test
    void theSameOptionNameMeansTheSameThingInEveryTrainCommand() {
        Map<String, String> seen = new LinkedHashMap<>();          // name -> "type label" where first seen
        Map<String, String> where = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        trainCommands().forEach((cmd, cl) -> {
            for (OptionSpec o : cl.getCommandSpec().options()) {
                if (o.usageHelp() || o.versionHelp()) continue;
                String name = o.longestName(), what = type(o) + " " + o.paramLabel();
                String before = seen.putIfAbsent(name, what);
                if (before == null) where.put(name, cmd);
                else if (!before.equals(what)) {
                    problems.add(name + " is '" + before + "' in " + where.get(name) + " but '" + what + "' in " + cmd);
                }
            }
        });
        assertEquals(List.of(), problems);
        assertTrue(seen.containsKey("--progress") && seen.containsKey("--max-steps"), seen.keySet().toString());
    }

    @Test
    void theSharedGroupsAreOnEveryTrainCommand() {
        List<String> missing = new ArrayList<>();
        trainCommands().forEach((cmd, cl) -> {
            if (cmd.equals("demo")) return;
            Set<String> names = new TreeSet<>();
            cl.getCommandSpec().options().forEach(o -> names.add(o.longestName()));
            for (String n : new TreeSet<>(EVERYWHERE)) if (!names.contains(n)) missing.add("train " + cmd + " " + n);
        });
        assertEquals(List.of(), missing);
    }

    @Test
    void progressAcceptsTheOldWordNoneForQuiet() {
        assertEquals(dev.jrnn.train.Trainer.ProgressMode.QUIET, new ProgressOptions.ModeConverter().convert("none"));
        assertEquals(dev.jrnn.train.Trainer.ProgressMode.QUIET, new ProgressOptions.ModeConverter().convert("Quiet"));
        assertEquals(dev.jrnn.train.Trainer.ProgressMode.BAR, new ProgressOptions.ModeConverter().convert("bar"));
    }
}
