package io.sparkgrad.trainer.transport.barrier;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Logs refused connections at most once per interval, counting the ones it held back, so a flood of bad clients
 * cannot flood the driver's log (or slow the acceptor down with logging).
 */
final class RefusalLog {

    private final long intervalNanos;
    private final LongSupplier clock;
    private final Consumer<String> sink;
    private long lastLogged;
    private boolean loggedAny;
    private long suppressed;

    RefusalLog(long intervalNanos, LongSupplier clock, Consumer<String> sink) {
        this.intervalNanos = intervalNanos;
        this.clock = clock;
        this.sink = sink;
    }

    /** Reports one refusal; logs it unless a line went out less than an interval ago. */
    synchronized void refused(String peer, String why) {
        long now = clock.getAsLong();
        if (loggedAny && now - lastLogged < intervalNanos) {
            suppressed++;
            return;
        }
        String more = suppressed == 0 ? "" : " (and " + suppressed + " more refused connections since the last report)";
        sink.accept("aggregation server refused a connection from " + peer + ": " + why + more);
        loggedAny = true;
        lastLogged = now;
        suppressed = 0;
    }
}
