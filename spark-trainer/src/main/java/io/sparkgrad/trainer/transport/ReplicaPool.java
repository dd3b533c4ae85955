package io.sparkgrad.trainer.transport;

import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.ReplicaModel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-JVM pool of idle model replicas and epoch orders, keyed by run. The stage-per-step transport runs one task
 * per partition per step and validation runs a job per epoch; without the pool every such task would build a new
 * replica (allocate parameters, start threads, or upload to a GPU) and reshuffle its partition.
 *
 * <p>This is the module's one piece of static mutable state, on purpose: executors keep nothing else between
 * tasks. A replica is handed to one task at a time; a task that fails discards its replica instead of returning
 * it, so a replica in an unknown state is never reused.
 *
 * <p>Many runs may train at once in one driver (a sweep, a {@code CrossValidator} with parallelism), and their tasks
 * share executors, so the pool keeps replicas for any number of runs, within bounds: at most {@value #IDLE_PER_RUN}
 * idle replicas per run, at most {@value #MAX_IDLE} in all, and idle replicas' parameters within an eighth of the
 * heap. When a bound is passed, the runs used least recently lose their idle replicas first; a run that has not used
 * the pool for {@value #IDLE_RUN_MINUTES} minutes has ended (a live run uses it every step or epoch) and is dropped.
 * The driver drops a run's replicas in its own JVM when the run ends ({@link #dropRun}); executors rely on the bounds.
 */
public final class ReplicaPool {

    static final int IDLE_PER_RUN = 16;
    static final int MAX_IDLE = 64;
    static final int IDLE_RUN_MINUTES = 10;
    private static final long IDLE_RUN_NANOS = IDLE_RUN_MINUTES * 60_000_000_000L;
    /** What idle replicas may hold, counting each replica's parameters and gradients as floats. */
    private static final long IDLE_BYTES_BUDGET = Runtime.getRuntime().maxMemory() / 8;
    private static final int ORDERS_KEPT = 256;

    private static final Object LOCK = new Object();
    /** Access-ordered: the run used least recently comes first, and is evicted first. */
    private static final LinkedHashMap<String, RunReplicas> IDLE = new LinkedHashMap<>(16, 0.75f, true);
    private static int idleTotal;
    private static long idleBytes;
    private static final LinkedHashMap<String, int[]> ORDERS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, int[]> eldest) {
            return size() > ORDERS_KEPT;
        }
    };

    /** One run's idle replicas and when the run last used the pool. */
    private static final class RunReplicas {
        final ArrayDeque<ReplicaModel> idle = new ArrayDeque<>();
        long lastUse = System.nanoTime();
    }

    private ReplicaPool() {
    }

    /** An idle replica of run {@code runId}, or a new one from {@code factory}. */
    public static ReplicaModel acquire(String runId, ReplicaFactory factory, int threads) {
        List<ReplicaModel> evicted = new ArrayList<>();
        ReplicaModel found = null;
        synchronized (LOCK) {
            RunReplicas run = IDLE.computeIfAbsent(runId, k -> new RunReplicas());
            run.lastUse = System.nanoTime();
            found = run.idle.pollFirst();
            if (found != null) {
                forget(found);
            }
            evictEnded(runId, evicted);
        }
        evicted.forEach(ReplicaPool::closeQuietly);
        return found != null ? found : factory.create(threads);
    }

    /** Returns a healthy replica to the pool of run {@code runId}; closes it instead when the pool is full. */
    public static void release(String runId, ReplicaModel replica) {
        List<ReplicaModel> evicted = new ArrayList<>();
        boolean kept = false;
        synchronized (LOCK) {
            RunReplicas run = IDLE.get(runId);
            long bytes = bytes(replica);
            if (run != null && run.idle.size() < IDLE_PER_RUN && bytes <= IDLE_BYTES_BUDGET) {
                run.lastUse = System.nanoTime();
                // Make room by evicting the runs used least recently (never this one): a live run keeps its replicas.
                Iterator<Map.Entry<String, RunReplicas>> it = IDLE.entrySet().iterator();
                while ((idleTotal + 1 > MAX_IDLE || idleBytes + bytes > IDLE_BYTES_BUDGET) && it.hasNext()) {
                    Map.Entry<String, RunReplicas> e = it.next();
                    if (!e.getKey().equals(runId)) {
                        takeAll(e.getValue(), evicted);
                        it.remove();
                    }
                }
                if (idleTotal + 1 <= MAX_IDLE && idleBytes + bytes <= IDLE_BYTES_BUDGET) {
                    run.idle.addFirst(replica);
                    idleTotal++;
                    idleBytes += bytes;
                    kept = true;
                }
            }
            evictEnded(runId, evicted);
        }
        evicted.forEach(ReplicaPool::closeQuietly);
        if (!kept) {
            closeQuietly(replica);
        }
    }

    /** Drops runs that have not used the pool for {@link #IDLE_RUN_MINUTES} minutes; called under {@link #LOCK}. */
    private static void evictEnded(String current, List<ReplicaModel> evicted) {
        long now = System.nanoTime();
        Iterator<Map.Entry<String, RunReplicas>> it = IDLE.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, RunReplicas> e = it.next();
            if (now - e.getValue().lastUse <= IDLE_RUN_NANOS) {
                break; // access order: every later run was used more recently
            }
            if (!e.getKey().equals(current)) {
                takeAll(e.getValue(), evicted);
                it.remove();
                String prefix = e.getKey() + "/";
                ORDERS.keySet().removeIf(k -> k.startsWith(prefix));
            }
        }
    }

    private static void takeAll(RunReplicas run, List<ReplicaModel> out) {
        for (ReplicaModel m : run.idle) {
            forget(m);
            out.add(m);
        }
        run.idle.clear();
    }

    /** Takes a replica out of the totals (it leaves the pool). */
    private static void forget(ReplicaModel m) {
        idleTotal--;
        idleBytes -= bytes(m);
    }

    /** A replica's parameters and gradients, as floats: what an idle one holds at least. */
    private static long bytes(ReplicaModel m) {
        return 2L * Float.BYTES * m.numParameters();
    }

    /** Closes a replica that must not be reused (its task failed). */
    public static void discard(ReplicaModel replica) {
        closeQuietly(replica);
    }

    /** Closes and forgets the idle replicas of run {@code runId} in this JVM (the driver calls it when a run ends). */
    public static void dropRun(String runId) {
        List<ReplicaModel> idle = new ArrayList<>();
        synchronized (LOCK) {
            RunReplicas run = IDLE.remove(runId);
            if (run != null) {
                takeAll(run, idle);
            }
            ORDERS.keySet().removeIf(k -> k.startsWith(runId + "/"));
        }
        idle.forEach(ReplicaPool::closeQuietly);
    }

    /** Number of idle replicas held for run {@code runId} in this JVM. */
    public static int idleCount(String runId) {
        synchronized (LOCK) {
            RunReplicas run = IDLE.get(runId);
            return run == null ? 0 : run.idle.size();
        }
    }

    /** Number of idle replicas held for all runs in this JVM. */
    public static int idleCount() {
        synchronized (LOCK) {
            return idleTotal;
        }
    }

    /** The cached epoch order of a partition, computed by {@code compute} on first use. */
    static int[] order(String runId, int epoch, int partition, java.util.function.Supplier<int[]> compute) {
        String key = runId + "/" + epoch + "/" + partition;
        synchronized (LOCK) {
            int[] o = ORDERS.get(key);
            if (o != null) {
                return o;
            }
        }
        int[] o = compute.get();
        synchronized (LOCK) {
            ORDERS.put(key, o);
        }
        return o;
    }

    private static void closeQuietly(ReplicaModel m) {
        try {
            m.close();
        } catch (Exception ignored) {
            // A replica that cannot close cleanly holds nothing we could recover; dropping it is all that is left.
        }
    }
}
