package dev.jrnn.train.diagnostics;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The diagnostics of one recurrent network on one batch at one training step: the loss and one
 * {@link LayerReport} per layer-direction (bottom layer first, forward before reverse).
 *
 * <p>{@link #toJson()} is one line of {@code diagnostics.jsonl}; {@link #toCsv()} its rows of
 * {@code diagnostics.csv} (long format, {@value #CSV_HEADER}). Non-finite numbers are written as JSON
 * {@code null} and as {@code NaN}/{@code Infinity} in the CSV.
 *
 * @param step   the training step it was recorded at (0: before training)
 * @param loss   the loss on the measured batch
 * @param layers bottom layer first; in each layer forward, then reverse
 */
public record DiagnosticsReport(long step, double loss, List<LayerReport> layers) {
    /** Columns of {@link #toCsv()}: {@code metric} is one of {@code loss, grad_norm, spectral_radius,
     * spectral_norm, gate_low, gate_high, gate_mean}; {@code index} is the time step t (0-based), the block or the
     * gate (empty for the loss). */
    public static final String CSV_HEADER = "step,layer,metric,index,value";

    /** Copies the list. */
    public DiagnosticsReport {
        layers = List.copyOf(layers);
    }

    /** The layer-direction named {@code name} ({@code l0}, {@code l1_reverse}, {@code cell}). */
    public LayerReport layer(String name) {
        for (LayerReport l : layers) if (l.name().equals(name)) return l;
        throw new IllegalArgumentException("DiagnosticsReport: no layer '" + name + "'; there are "
                + layers.stream().map(LayerReport::name).toList());
    }

    /** One line for a log: the loss and per layer the first/last gradient ratio, the headline ρ and saturation. */
    public String summary() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "step %d loss %.4g", step, loss));
        for (LayerReport l : layers) {
            sb.append(String.format(Locale.ROOT, " | %s %s: |dL/dh_1|/|dL/dh_T| %.3g", l.name(), l.cell(),
                    l.firstLastRatio()));
            if (l.headlineBlock() != null) {
                sb.append(String.format(Locale.ROOT, ", rho(%s) %.3f", l.headlineBlock(), l.headlineSpectralRadius()));
            }
            if (!l.gates().isEmpty()) {
                sb.append(String.format(Locale.ROOT, ", saturated %.1f%%", 100 * l.saturation()));
            }
        }
        return sb.toString();
    }

    /** This report as one JSON object on one line. */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{\"step\":").append(step).append(",\"loss\":").append(num(loss))
                .append(",\"layers\":[");
        for (int i = 0; i < layers.size(); i++) {
            LayerReport l = layers.get(i);
            if (i > 0) sb.append(',');
            sb.append("{\"layer\":").append(str(l.name())).append(",\"cell\":").append(str(l.cell()))
                    .append(",\"grad_norm\":[");
            for (int t = 0; t < l.gradNorm().length; t++) {
                if (t > 0) sb.append(',');
                sb.append(num(l.gradNorm()[t]));
            }
            sb.append("],\"headline_block\":").append(l.headlineBlock() == null ? "null" : str(l.headlineBlock()))
                    .append(",\"spectral_radius\":");
            map(sb, l.spectralRadius());
            sb.append(",\"spectral_norm\":");
            map(sb, l.spectralNorm());
            sb.append(",\"gates\":[");
            for (int g = 0; g < l.gates().size(); g++) {
                GateStats s = l.gates().get(g);
                if (g > 0) sb.append(',');
                sb.append("{\"gate\":").append(str(s.gate())).append(",\"activation\":").append(str(s.activation()))
                        .append(",\"count\":").append(s.count()).append(",\"low\":").append(num(s.low()))
                        .append(",\"high\":").append(num(s.high())).append(",\"mean\":").append(num(s.mean())).append('}');
            }
            sb.append("]}");
        }
        return sb.append("]}").toString();
    }

    /** This report's rows of the long-format CSV (no header; see {@link #CSV_HEADER}), each ending in a newline. */
    public String toCsv() {
        StringBuilder sb = new StringBuilder();
        row(sb, "", "loss", "", loss);
        for (LayerReport l : layers) {
            for (int t = 0; t < l.gradNorm().length; t++) row(sb, l.name(), "grad_norm", Integer.toString(t), l.gradNorm()[t]);
            l.spectralRadius().forEach((k, v) -> row(sb, l.name(), "spectral_radius", k, v));
            l.spectralNorm().forEach((k, v) -> row(sb, l.name(), "spectral_norm", k, v));
            for (GateStats g : l.gates()) {
                row(sb, l.name(), "gate_low", g.gate(), g.low());
                row(sb, l.name(), "gate_high", g.gate(), g.high());
                row(sb, l.name(), "gate_mean", g.gate(), g.mean());
            }
        }
        return sb.toString();
    }

    private void row(StringBuilder sb, String layer, String metric, String index, double value) {
        sb.append(step).append(',').append(csv(layer)).append(',').append(metric).append(',').append(csv(index)).append(',')
                .append(Double.isFinite(value) ? String.format(Locale.ROOT, "%.6g", value) : Double.toString(value))
                .append('\n');
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    private static void map(StringBuilder sb, Map<String, Double> m) {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, Double> e : m.entrySet()) {
            if (!first) sb.append(',');
            first = false;
            sb.append(str(e.getKey())).append(':').append(num(e.getValue()));
        }
        sb.append('}');
    }

    static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    static String str(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
