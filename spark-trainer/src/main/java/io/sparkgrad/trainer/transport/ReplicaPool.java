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
 * it, so a replica in an unknown state is never reused. Only the most recent {@value #RUNS_KEPT} runs keep idle
 * replicas; older runs' replicas are closed when a new run first asks for one.
 */
public final class ReplicaPool {

    static final int RUNS_KEPT = 2;
    private static final int IDLE_PER_RUN = 16;
    private static final int ORDERS_KEPT = 64;

    private static final Object LOCK = new Object();
    /** Insertion-ordered by first use, so the eldest run is evicted first. */
    private static final LinkedHashMap<String, ArrayDeque<ReplicaModel>> IDLE = new LinkedHashMap<>();
    private static final LinkedHashMap<String, int[]> ORDERS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, int[]> eldest) {
            return size() > ORDERS_KEPT;
        }
    };

    private ReplicaPool() {
    }

    /** An idle replica of run {@code runId}, or a new one from {@code factory}. */
    public static ReplicaModel acquire(String runId, ReplicaFactory factory, int threads) {
        List<ReplicaModel> evicted = new ArrayList<>();
        ReplicaModel found = null;
        synchronized (LOCK) {
            ArrayDeque<ReplicaModel> idle = IDLE.get(runId);
            if (idle == null) {
                idle = new ArrayDeque<>();
                IDLE.put(runId, idle);
                Iterator<Map.Entry<String, ArrayDeque<ReplicaModel>>> it = IDLE.entrySet().iterator();
                while (IDLE.size() > RUNS_KEPT && it.hasNext()) {
                    Map.Entry<String, ArrayDeque<ReplicaModel>> e = it.next();
                    if (!e.getKey().equals(runId)) {
                        evicted.addAll(e.getValue());
                        it.remove();
                    }
                }
            } else {
                found = idle.pollFirst();
            }
        }
        evicted.forEach(ReplicaPool::closeQuietly);
        return found != null ? found : factory.create(threads);
    }

    /** Returns a healthy replica to the pool of run {@code runId}. */
    public static void release(String runId, ReplicaModel replica) {
        boolean kept = false;
        synchronized (LOCK) {
            ArrayDeque<ReplicaModel> idle = IDLE.get(runId);
            if (idle != null && idle.size() < IDLE_PER_RUN) {
                idle.addFirst(replica);
                kept = true;
            }
        }
        if (!kept) {
            closeQuietly(replica);
        }
    }

    /** Closes a replica that must not be reused (its task failed). */
    public static void discard(ReplicaModel replica) {
        closeQuietly(replica);
    }

    /** Closes and forgets the idle replicas of run {@code runId} in this JVM (the driver calls it when a run ends). */
    public static void dropRun(String runId) {
        ArrayDeque<ReplicaModel> idle;
        synchronized (LOCK) {
            idle = IDLE.remove(runId);
            ORDERS.keySet().removeIf(k -> k.startsWith(runId + "/"));
        }
        if (idle != null) {
            idle.forEach(ReplicaPool::closeQuietly);
        }
    }

    /** Number of idle replicas held for run {@code runId} in this JVM. */
    public static int idleCount(String runId) {
        synchronized (LOCK) {
            ArrayDeque<ReplicaModel> idle = IDLE.get(runId);
            return idle == null ? 0 : idle.size();
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
