package dev.jrnn.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Peak memory of a few steps, two ways:
 * <ul>
 *   <li><b>heap</b>: the largest Java heap occupancy seen, i.e. the heap used just before each GC during the
 *   steps (from the GC beans' notifications, the sum over pools) and at the end, minus the live heap after a full
 *   GC before the steps. So it counts what the steps allocate (live and garbage between collections) on the heap;
 *   off-heap buffers (DL4J's, PyTorch's) are not in it.</li>
 *   <li><b>RSS</b>: the growth of the process's resident set during the steps, from Linux's peak RSS
 *   ({@code VmHWM}, reset by writing 5 to {@code /proc/self/clear_refs}) minus the RSS before. It sees native
 *   allocations; heap pages that earlier work already made resident are not counted again.</li>
 * </ul>
 */
final class Mem {
    private static volatile long maxBeforeGc;
    private static boolean installed;

    private Mem() {}

    private static synchronized void install() {
        if (installed) return;
        installed = true;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter em) {
                em.addNotificationListener((n, h) -> {
                    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
                    var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                    long used = 0;
                    for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageBeforeGc().entrySet()) {
                        String pool = e.getKey();
                        if (pool.contains("Eden") || pool.contains("Survivor") || pool.contains("Old")
                                || pool.contains("Tenured") || pool.contains("Humongous")) {
                            used += e.getValue().getUsed();
                        }
                    }
                    if (used > maxBeforeGc) maxBeforeGc = used;
                }, null, null);
            }
        }
    }

    /** Result in bytes. */
    record Peak(long heap, long rss) {}

    /** Measures {@code steps} runs of {@code step}. */
    static Peak measure(Engine.Step step, int steps) throws Exception {
        install();
        System.gc();
        Thread.sleep(50);
        long base = heapUsed();
        maxBeforeGc = base;
        long rssBase = status("VmRSS");
        boolean hwm = clearRefs();
        for (int i = 0; i < steps; i++) {
            step.run();
        }
        long end = heapUsed();
        Thread.sleep(20);   // let pending GC notifications arrive
        long heap = Math.max(maxBeforeGc, end) - base;
        long rss = hwm ? status("VmHWM") - rssBase : -1;
        return new Peak(heap, rss);
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static boolean clearRefs() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A {@code /proc/self/status} field in bytes, or -1. */
    private static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
