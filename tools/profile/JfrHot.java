/*
 * Summarises a JFR recording's CPU samples: the top frames (self time) and the methods on the stack (inclusive),
 * as shares of all samples. Java 17 runs it as a script:
 *   java tools/profile/JfrHot.java recording.jfr
 * Record with -XX:StartFlightRecording=settings=profile,filename=rec.jfr, or attach to a running JVM:
 *   jcmd PID JFR.start duration=60s settings=profile filename=rec.jfr
 */
import jdk.jfr.consumer.*;
import java.nio.file.*;
import java.util.*;
public class JfrHot {
    public static void main(String[] a) throws Exception {
        Map<String,Integer> top = new HashMap<>(), self = new HashMap<>();
        int n = 0;
        try (RecordingFile f = new RecordingFile(Path.of(a[0]))) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                String t = e.getEventType().getName();
                if (!t.equals("jdk.ExecutionSample") && !t.equals("jdk.NativeMethodSample")) continue;
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) continue;
                n++;
                RecordedFrame f0 = st.getFrames().get(0);
                String s0 = f0.getMethod().getType().getName().replaceAll(".*\\.", "") + "." + f0.getMethod().getName() + (t.equals("jdk.NativeMethodSample") ? " [native]" : "");
                self.merge(s0, 1, Integer::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame fr : st.getFrames()) {
                    String s = fr.getMethod().getType().getName().replaceAll(".*\\.", "") + "." + fr.getMethod().getName();
                    if (seen.add(s)) top.merge(s, 1, Integer::sum);
                }
            }
        }
        final int N = n; System.out.println("samples " + n);
        System.out.println("-- self (top frame)");
        self.entrySet().stream().sorted((x,y)->y.getValue()-x.getValue()).limit(25).forEach(e -> System.out.printf("%5.1f%% %s%n", 100.0*e.getValue()/N, e.getKey()));
        System.out.println("-- inclusive");
        top.entrySet().stream().sorted((x,y)->y.getValue()-x.getValue()).limit(40).forEach(e -> System.out.printf("%5.1f%% %s%n", 100.0*e.getValue()/N, e.getKey()));
    }
}
