package io.sparkgrad.kernel.bench;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Two builds of core-tensor side by side in one JVM, each in its own class loader, their {@link StepWorkloads}
 * timed in alternating rounds so that both see the same machine load (on a shared machine, separate runs are not
 * comparable); at one thread in the calling thread's CPU time, else in wall time. Prints per workload the median microseconds per call of each and the ratio A/B per round pair
 * (median, min..max): above 1 means B is faster.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp core-tensor/target/test-classes io.sparkgrad.kernel.bench.AbBench \
 *   BASE_CLASSES_OR_JAR NEW_CLASSES_OR_JAR [batch] [threads] [rounds]
 * </pre>
 */
public final class AbBench {

    private AbBench() {
    }

    public static void main(String[] args) throws Exception {
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 15;
        cpuTime = threads == 1;
        String tests = AbBench.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        Map<String, Runnable> a = load(args[0], tests, batch, threads);
        Map<String, Runnable> b = load(args[1], tests, batch, threads);
        System.out.printf(Locale.ROOT, "batch %d, threads %d, %d round pairs of ~20 ms, %s%n", batch, threads,
                rounds, cpuTime ? "thread CPU time" : "wall time");
        System.out.printf(Locale.ROOT, "%-22s %12s %12s %24s%n", "workload", "A us", "B us", "A/B median (min..max)");
        for (String name : a.keySet()) {
            Runnable ra = a.get(name);
            Runnable rb = b.get(name);
            for (int i = 0; i < 3; i++) {
                round(ra, 300_000_000L);
                round(rb, 300_000_000L);
            }
            double[] ta = new double[rounds];
            double[] tb = new double[rounds];
            double[] ratio = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                ta[i] = round(ra, 20_000_000L);
                tb[i] = round(rb, 20_000_000L);
                ratio[i] = ta[i] / tb[i];
            }
            Arrays.sort(ta);
            Arrays.sort(tb);
            Arrays.sort(ratio);
            System.out.printf(Locale.ROOT, "%-22s %12.1f %12.1f %10.2f (%.2f..%.2f)%n", name, ta[rounds / 2] * 1e6,
                    tb[rounds / 2] * 1e6, ratio[rounds / 2], ratio[0], ratio[rounds - 1]);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Runnable> load(String build, String tests, int batch, int threads) throws Exception {
        List<URL> urls = new ArrayList<>();
        urls.add(new File(build).toURI().toURL());
        urls.add(new File(tests).toURI().toURL());
        ClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
        Class<?> c = Class.forName(StepWorkloads.class.getName(), true, loader);
        return (Map<String, Runnable>) c.getMethod("of", int.class, int.class).invoke(null, batch, threads);
    }

    private static final java.lang.management.ThreadMXBean MX =
            java.lang.management.ManagementFactory.getThreadMXBean();
    private static boolean cpuTime;

    /** This thread's CPU time at one thread (other processes do not inflate it), else wall time. */
    private static long now() {
        return cpuTime ? MX.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** Calls for about {@code nanos} of measured time; seconds per call. */
    private static double round(Runnable r, long nanos) {
        long s = now();
        int calls = 0;
        long t;
        do {
            r.run();
            calls++;
            t = now() - s;
        } while (t < nanos);
        return t / 1e9 / calls;
    }
}
