package dev.jrnn.cli;

import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFileException;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --config FILE}: option values from a JSON file, for every command that has options.
 *
 * <pre>
 * {"data": "pairs.tsv", "out": "runs/rev", "hidden": 64, "cell": "gru", "epochs": 20, "resume": false}
 * </pre>
 * The keys are the long option names without {@code --}; a value is a string, a number or a boolean (a flag:
 * {@code true} sets it); {@code null} leaves the option at its default. Options given on the command line override
 * the file. The file supplies <em>default values</em> through picocli's {@link CommandLine.IDefaultValueProvider}, so
 * every command gets it without declaring anything: {@link #addOption} adds {@code --config} to each command with
 * options, and {@link #load} pre-scans the arguments for it before picocli parses them.
 *
 * <p>JSON rather than a properties file because the project already has a strict JSON reader
 * ({@link ModelConfig}, the reader of every saved model's {@code config.json}) whose errors carry line and column,
 * and because JSON has types: {@code 0.5}, {@code "gru"} and {@code true} can be checked against the option before
 * anything runs, where {@code key = value} would be text to guess at.
 *
 * <p>Every problem is one line naming the file: a missing file (status 1); invalid JSON, an unknown key (with the
 * nearest option name), a value of the wrong type or outside an option's choices (status 2). A value that passes the
 * type check but not a command's own check (e.g. {@code "dropout": 1.5}) is reported by the command, with the file
 * and key added to its message ({@link #explain}).
 */
final class ConfigFile {
    /** The option's name. */
    static final String OPTION = "--config";

    private final Path file;
    private final CommandLine command;
    private final Map<String, String> values;          // option's longest name -> value, set by the file, not on the line

    private ConfigFile(Path file, CommandLine command, Map<String, String> values) {
        this.file = file;
        this.command = command;
        this.values = values;
    }

    /** A problem with the file: its one-line message and the exit status. */
    static final class Problem extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Problem(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** Adds {@code --config FILE} to every command below {@code root} that has options of its own. */
    static void addOption(CommandLine root) {
        for (CommandLine sub : root.getSubcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            boolean hasOwn = spec.options().stream().anyMatch(o -> !o.usageHelp() && !o.versionHelp());
            if (hasOwn && spec.findOption(OPTION) == null) {
                spec.addOption(OptionSpec.builder(OPTION).paramLabel("FILE").type(String.class)
                        .description("Option values from a JSON file, e.g. {\"hidden\": 64, \"cell\": \"gru\"}: keys are "
                                + "the long option names without --; options given here override the file.")
                        .build());
            }
            addOption(sub);
        }
    }

    /**
     * Finds the command the arguments run and its {@code --config FILE}, reads the file, checks every key and value
     * against that command's options, and installs the values as the command's defaults.
     *
     * @return the installed file, or null when the arguments name none
     * @throws Problem with the one-line message and the exit status
     */
    static ConfigFile load(CommandLine root, String[] args) throws Problem {
        CommandLine cmd = root;
        int i = 0;
        while (i < args.length && cmd.getSubcommands().containsKey(args[i])) cmd = cmd.getSubcommands().get(args[i++]);
        CommandSpec spec = cmd.getCommandSpec();
        if (spec.findOption(OPTION) == null) return null;               // picocli reports a stray --config itself
        List<String> rest = new ArrayList<>();
        for (int k = i; k < args.length && !args[k].equals("--"); k++) rest.add(args[k]);
        String value = null;
        for (int k = 0; k < rest.size() && value == null; k++) {
            if (rest.get(k).equals(OPTION) && k + 1 < rest.size()) value = rest.get(k + 1);
            else if (rest.get(k).startsWith(OPTION + "=")) value = rest.get(k).substring(OPTION.length() + 1);
        }
        if (value == null) return null;
        Path file = Path.of(value);
        String text;
        try {
            text = Cli.readText(file, OPTION);
        } catch (Cli.Failure e) {
            throw new Problem(1, e.getMessage());
        } catch (IOException e) {
            throw new Problem(1, OPTION + " " + file + ": " + Main.describe(e));
        }
        ModelConfig json;
        try {
            json = ModelConfig.parse(text, file.toString());
        } catch (ModelFileException e) {
            throw new Problem(2, e.getMessage());
        }
        String where = "jrnn " + spec.qualifiedName().replaceFirst("^jrnn ", "");
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : json.keys()) {
            OptionSpec o = key.startsWith("-") ? null : spec.findOption("--" + key);
            if (o == null || o.usageHelp() || o.versionHelp() || o.longestName().equals(OPTION)) {
                String near = nearest(key, spec);
                throw new Problem(2, file + ": unknown key '" + key + "' for " + where
                        + (near == null ? "" : " (did you mean '" + near + "'?)")
                        + "; keys are the long option names without --, as in " + where + " --help");
            }
            if (givenOnCommandLine(o, rest)) continue;                 // the command line wins
            String v = convert(file, key, o, json.get(key));
            if (v != null) values.put(o.longestName(), v);
        }
        ConfigFile config = new ConfigFile(file, cmd, values);
        cmd.setDefaultValueProvider(config::defaultValue);
        return config;
    }

    /** The file's value for an option, or null (picocli then uses the option's own default). */
    private String defaultValue(ArgSpec arg) {
        return arg instanceof OptionSpec ? values.get(((OptionSpec) arg).longestName()) : null;
    }

    private static boolean givenOnCommandLine(OptionSpec o, List<String> rest) {
        for (String a : rest) {
            for (String n : o.names()) {
                if (a.equals(n) || a.startsWith(n + "=")) return true;
            }
        }
        return false;
    }

    /** The value as the option's text, after checking its JSON type against the option's type. */
    private static String convert(Path file, String key, OptionSpec o, Object v) throws Problem {
        if (v == ModelConfig.NULL) return null;
        String at = file + ": key '" + key + "': ";
        if (o.isMultiValue()) {
            throw new Problem(2, at + "a repeatable option cannot be set in a config file; give it on the command line");
        }
        Class<?> t = o.type();
        if (v instanceof ModelConfig || v instanceof List) {
            throw new Problem(2, at + "expected " + expected(t) + ", got " + (v instanceof List ? "a list" : "an object"));
        }
        if (t == boolean.class || t == Boolean.class) {
            if (!(v instanceof Boolean)) throw new Problem(2, at + "expected true or false, got " + show(v));
            return v.toString();
        }
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
            boolean fits = v instanceof Long && (t == long.class || t == Long.class
                    || ((Long) v >= Integer.MIN_VALUE && (Long) v <= Integer.MAX_VALUE));
            if (!fits) throw new Problem(2, at + "expected an integer, got " + show(v));
            return v.toString();
        }
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
            if (!(v instanceof Long || v instanceof Double || v instanceof BigInteger)) {
                throw new Problem(2, at + "expected a number, got " + show(v));
            }
            return v.toString();
        }
        if (t.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object c : t.getEnumConstants()) names.add(c.toString().toLowerCase(Locale.ROOT));   // as the flag spells it
            if (!(v instanceof String) || !names.contains(((String) v).toLowerCase(Locale.ROOT))) {
                throw new Problem(2, at + "expected one of " + String.join(", ", names) + ", got " + show(v));
            }
            return (String) v;
        }
        if (!(v instanceof String || v instanceof Long || v instanceof Double)) {
            throw new Problem(2, at + "expected " + expected(t) + ", got " + show(v));
        }
        return v.toString();
    }

    private static String expected(Class<?> t) {
        if (t == boolean.class || t == Boolean.class) return "true or false";
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) return "an integer";
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) return "a number";
        return "a string";
    }

    private static String show(Object v) {
        return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
    }

    /** The option name (without --) closest to {@code key}, within two edits, or null. */
    private static String nearest(String key, CommandSpec spec) {
        String best = null;
        int bestDistance = 3;
        for (OptionSpec o : spec.options()) {
            if (o.usageHelp() || o.versionHelp() || o.longestName().equals(OPTION)) continue;
            String name = o.longestName().replaceFirst("^-+", "");
            int d = distance(key.toLowerCase(Locale.ROOT), name);
            if (d < bestDistance || (d == bestDistance && best == null && name.startsWith(key))) {
                best = name;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static final Pattern FLAG = Pattern.compile("--[a-z][a-z0-9-]*");

    /**
     * Where the values a usage error is about came from, when the file set them: {@code set by FILE, key 'dropout'},
     * or null. picocli's conversion errors name the option ({@link CommandLine.ParameterException#getArgSpec()}), a
     * command's own checks name it as {@code --name} in the message.
     */
    String explain(CommandLine.ParameterException ex, String message) {
        if (ex.getCommandLine() != command) return null;
        List<String> keys = new ArrayList<>();
        ArgSpec arg = ex.getArgSpec();
        if (arg instanceof OptionSpec && values.containsKey(((OptionSpec) arg).longestName())) {
            keys.add(((OptionSpec) arg).longestName());
        }
        Matcher m = FLAG.matcher(message);
        while (m.find()) if (values.containsKey(m.group()) && !keys.contains(m.group())) keys.add(m.group());
        if (keys.isEmpty()) return null;
        List<String> names = new ArrayList<>();
        for (String k : keys) names.add("'" + k.substring(2) + "'");
        return "set by " + file + ", key" + (names.size() == 1 ? " " : "s ") + String.join(", ", names);
    }
}
