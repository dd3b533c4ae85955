package io.sparkgrad.cluster;

/** A main that blocks until killed: stands in for a Spark daemon in {@link ParentWatchdogTest}. */
public final class SleepForever {
    private SleepForever() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println("started");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
