package io.sparkgrad.cluster;

import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Runs another main class and exits when a given process ends: the loopback cluster starts its master and
 * workers through this, so they go away even when the test JVM that started them is killed and cannot run
 * its shutdown hooks. (Executors follow their worker: they exit when it disappears.)
 *
 * <p>Usage: {@code ParentWatchdog <parent pid> <main class> [args...]}.
 */
public final class ParentWatchdog {
    private ParentWatchdog() {
    }

    /** Watches the parent, then runs the main class with the remaining arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: ParentWatchdog <parent pid> <main class> [args...]");
        }
        long parentPid = Long.parseLong(args[0]);
        ProcessHandle.of(parentPid).ifPresentOrElse(parent -> parent.onExit().thenRun(ParentWatchdog::exit),
                ParentWatchdog::exit);
        Method main = Class.forName(args[1]).getMethod("main", String[].class);
        main.invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
    }

    private static void exit() {
        System.err.println("ParentWatchdog: the process that started this one has ended; exiting");
        // exit (not halt) so Spark's shutdown hooks stop executors; halt if a hook hangs.
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(1);
        }, "watchdog-halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(1);
    }
}
