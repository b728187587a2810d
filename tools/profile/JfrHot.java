/*
 * Summarises a JFR recording's CPU samples: the top frames (self time) and the methods on the stack (inclusive),
 * as shares of the sampled time. Java 17 runs it as a script:
 *   java tools/profile/JfrHot.java recording.jfr
 * Record with -XX:StartFlightRecording=settings=profile,filename=rec.jfr, or attach to a running JVM:
 *   jcmd PID JFR.start duration=60s settings=profile filename=rec.jfr
 * JFR samples threads running Java (jdk.ExecutionSample) and threads inside native code such as OpenBLAS
 * (jdk.NativeMethodSample) at different periods: 10 ms and 20 ms with settings=profile. Each sample is weighted by
 * its event's period, read from the recording, so that native time is not under-counted (with equal weights a
 * W2 step showed sgemm at 60 %; weighted, or recorded with both periods at 10 ms, 73 %).
 */
import jdk.jfr.consumer.*;
import java.nio.file.*;
import java.util.*;
public class JfrHot {
    public static void main(String[] a) throws Exception {
        Map<String, Double> top = new HashMap<>(), self = new HashMap<>();
        Map<String, Double> periodMs = periods(Path.of(a[0]));
        double total = 0;
        int n = 0;
        try (RecordingFile f = new RecordingFile(Path.of(a[0]))) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                String t = e.getEventType().getName();
                if (!t.equals("jdk.ExecutionSample") && !t.equals("jdk.NativeMethodSample")) continue;
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) continue;
                double w = periodMs.getOrDefault(t, t.equals("jdk.NativeMethodSample") ? 20.0 : 10.0);
                n++;
                total += w;
                RecordedFrame f0 = st.getFrames().get(0);
                String s0 = f0.getMethod().getType().getName().replaceAll(".*\\.", "") + "." + f0.getMethod().getName() + (t.equals("jdk.NativeMethodSample") ? " [native]" : "");
                self.merge(s0, w, Double::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame fr : st.getFrames()) {
                    String s = fr.getMethod().getType().getName().replaceAll(".*\\.", "") + "." + fr.getMethod().getName();
                    if (seen.add(s)) top.merge(s, w, Double::sum);
                }
            }
        }
        final double T = total;
        System.out.printf("samples %d, weighted by period: ExecutionSample %s ms, NativeMethodSample %s ms%n", n,
                periodMs.get("jdk.ExecutionSample"), periodMs.get("jdk.NativeMethodSample"));
        System.out.println("-- self (top frame)");
        self.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue(), x.getValue())).limit(25).forEach(e -> System.out.printf("%5.1f%% %s%n", 100.0 * e.getValue() / T, e.getKey()));
        System.out.println("-- inclusive");
        top.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue(), x.getValue())).limit(40).forEach(e -> System.out.printf("%5.1f%% %s%n", 100.0 * e.getValue() / T, e.getKey()));
    }

    /** The sampling period in ms of each sample event, from the recording's jdk.ActiveSetting events. */
    private static Map<String, Double> periods(Path p) throws Exception {
        Map<Long, String> names = new HashMap<>();
        Map<String, Double> out = new HashMap<>();
        try (RecordingFile f = new RecordingFile(p)) {
            for (jdk.jfr.EventType t : f.readEventTypes()) names.put(t.getId(), t.getName());
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                if (!e.getEventType().getName().equals("jdk.ActiveSetting") || !"period".equals(e.getString("name"))) continue;
                String ev = names.get(e.getLong("id"));
                String v = e.getString("value").trim();
                if (ev == null || !v.endsWith("ms")) continue;
                try {
                    out.put(ev, Double.parseDouble(v.substring(0, v.length() - 2).trim()));
                } catch (NumberFormatException ignored) {
                    // "everyChunk" and the like: not a sampler
                }
            }
        }
        return out;
    }
}
