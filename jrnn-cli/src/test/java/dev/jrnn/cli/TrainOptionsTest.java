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
    /**
     * The flags of the shared option groups (data, model shape, optimizer, budget, checkpoint, progress), on every train
     * command.
     */
    private static final Set<String> EVERYWHERE = Set.of("--progress", "--log-every", "--minutes", "--seconds", "--max-steps",
            "--patience", "--checkpoint-every", "--resume", "--overwrite", "--data", "--valid", "--valid-fraction", "--out",
            "--cell", "--layers", "--hidden", "--dropout", "--optimizer", "--momentum", "--weight-decay", "--clip-norm",
            "--lr", "--batch", "--epochs", "--seed");

    /** The flags of the commands that read text (the vocabulary group and the token vectors). */
    private static final Set<String> TEXT = Set.of("--level", "--min-freq", "--max-vocab", "--embedding");

    /** Words that say nothing about what an option is, dropped before comparing the rest. */
    private static final Set<String> FILLER = Set.of("max", "num", "n", "size", "count", "dim", "number", "of");

    /** Abbreviations and their long forms, so that --max-len and --max-length read as one thing. */
    private static final Map<String, String> LONG = Map.of("len", "length", "vocab", "vocabulary", "embed", "embedding",
            "emb", "embedding", "lr", "learning-rate", "valid", "validation", "val", "validation", "dir", "directory",
            "freq", "frequency", "hid", "hidden");

    /**
     * What an option name is about, whatever its spelling: its words in their long forms, filler words dropped, in
     * alphabetical order ({@code --vocab-size} and {@code --max-vocab} are both "vocabulary").
     */
    static String meaning(String name) {
        Set<String> words = new TreeSet<>();
        for (String w : name.replaceFirst("^-+", "").toLowerCase(java.util.Locale.ROOT).split("[-_]")) {
            String full = LONG.getOrDefault(w, w);
            if (!FILLER.contains(full)) words.addAll(List.of(full.split("-")));
        }
        return String.join(" ", words);
    }

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

    /**
     * No two train commands spell one thing in two ways: option names whose {@link #meaning} agree must be the same
     * name ({@code --vocab-size} in one command and {@code --max-vocab} in another fail here). The demo is left out: its
     * {@code --length} is {@code sample}'s.
     */
    @Test
    void oneThingHasOneSpellingInEveryTrainCommand() {
        Map<String, String> byMeaning = new LinkedHashMap<>(), where = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        trainCommands().forEach((cmd, cl) -> {
            if (cmd.equals("demo")) return;
            for (OptionSpec o : cl.getCommandSpec().options()) {
                for (String name : o.names()) {
                    if (!name.startsWith("--")) continue;
                    String m = meaning(name), before = byMeaning.putIfAbsent(m, name);
                    if (before == null) where.put(m, cmd);
                    else if (!before.equals(name)) {
                        problems.add("'" + m + "' is " + before + " in " + where.get(m) + " but " + name + " in " + cmd);
                    }
                }
            }
        });
        assertEquals(List.of(), problems);
    }

    @Test
    void meaningReadsThroughSpellings() {
        assertEquals(meaning("--vocab-size"), meaning("--max-vocab"));
        assertEquals(meaning("--max-len"), meaning("--max-length"));
        assertEquals(meaning("--embedding-dim"), meaning("--embedding"));
        assertEquals(meaning("--learning-rate"), meaning("--lr"));
        assertEquals(meaning("--hidden-size"), meaning("--hidden"));
        assertEquals(meaning("--valid-fraction"), meaning("--validation-fraction"));
        assertTrue(!meaning("--min-freq").equals(meaning("--max-vocab")));
        assertTrue(!meaning("--valid").equals(meaning("--valid-fraction")));
    }

    @Test
    void theSharedGroupsAreOnEveryTrainCommand() {
        List<String> missing = new ArrayList<>();
        trainCommands().forEach((cmd, cl) -> {
            if (cmd.equals("demo")) return;
            Set<String> names = new TreeSet<>();
            cl.getCommandSpec().options().forEach(o -> names.add(o.longestName()));
            for (String n : new TreeSet<>(EVERYWHERE)) if (!names.contains(n)) missing.add("train " + cmd + " " + n);
            if (!cmd.equals("regress")) {                             // the commands that read text
                for (String n : new TreeSet<>(TEXT)) if (!names.contains(n)) missing.add("train " + cmd + " " + n);
            }
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
