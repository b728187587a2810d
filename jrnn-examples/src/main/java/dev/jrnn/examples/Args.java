package dev.jrnn.examples;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal {@code --key value} / {@code --flag} parser for the examples (no dependency). Every option used
 * must be read through one of the getters, so that {@link #checkAllUsed()} can reject typos.
 */
public final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, Boolean> used = new LinkedHashMap<>();

    public Args(String... args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "' (options are --name value or --flag)");
            }
            String key = a.substring(2);
            String value = "true";
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            }
            values.put(key, value);
            used.put(key, false);
        }
    }

    private String raw(String key) {
        if (values.containsKey(key)) {
            used.put(key, true);
        }
        return values.get(key);
    }

    public String string(String key, String def) {
        String v = raw(key);
        return v == null ? def : v;
    }

    public int integer(String key, int def) {
        String v = raw(key);
        return v == null ? def : Integer.parseInt(v);
    }

    public long longValue(String key, long def) {
        String v = raw(key);
        return v == null ? def : Long.parseLong(v);
    }

    public double number(String key, double def) {
        String v = raw(key);
        return v == null ? def : Double.parseDouble(v);
    }

    public boolean flag(String key) {
        String v = raw(key);
        return v != null && !v.equalsIgnoreCase("false");
    }

    public Path path(String key, Path def) {
        String v = raw(key);
        return v == null ? def : Path.of(v);
    }

    /** Comma-separated integers, e.g. {@code --lengths 10,20,50}. */
    public int[] ints(String key, int[] def) {
        String v = raw(key);
        if (v == null) {
            return def;
        }
        String[] parts = v.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Integer.parseInt(parts[i].trim());
        return out;
    }

    /** Comma-separated words, lower-cased. */
    public String[] words(String key, String def) {
        return string(key, def).toLowerCase(Locale.ROOT).split(",");
    }

    /** Fails on an option that no getter asked for (a typo would otherwise be silently ignored). */
    public void checkAllUsed() {
        for (Map.Entry<String, Boolean> e : used.entrySet()) {
            if (!e.getValue()) {
                throw new IllegalArgumentException("unknown option --" + e.getKey());
            }
        }
    }
}
