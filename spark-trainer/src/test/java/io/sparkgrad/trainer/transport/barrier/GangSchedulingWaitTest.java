package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.StepStats;
import io.sparkgrad.trainer.TrainingException;
import io.sparkgrad.trainer.plan.BatchPlan;
import io.sparkgrad.trainer.transport.EpochSpec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A barrier epoch whose gang Spark cannot schedule yet (other runs' gangs hold the task slots) waits for it, saying
 * "waiting for N barrier slots", instead of failing at the step timeout; the step timeout counts once the gang has
 * joined, and a gang that never comes fails at the gang-scheduling timeout. Fake workers speak the real protocol;
 * a fake job plays Spark and launches the gang late.
 */
class GangSchedulingWaitTest extends LoopbackServerTest {

    private static final int WORKERS = 2;
    private final BatchPlan plan = BatchPlan.of(new int[] {10, 12}, 6, true);

    @Override
    int workers() {
        return WORKERS;
    }

    /** A fake task: joins, then sends a gradient for every step until the end; {@code hang} stops answering. */
    Runnable worker(int w, boolean hang) {
        return () -> {
            try (WorkerClient c = WorkerClient.connect("127.0.0.1", server.address().getPort(), secret, w, 0, 0, N, 2000, 20_000)) {
                float[] params = new float[N];
                while (true) {
                    DriverLink.Command cmd = c.next(params);
                    if (cmd.type() == Wire.END || cmd.type() == Wire.ABORT) {
                        return;
                    }
                    if (hang) {
                        Thread.sleep(15_000);
                        return;
                    }
                    float[] g = new float[N];
                    for (int i = 0; i < N; i++) {
                        g[i] = cmd.count() * (params[i] - w);
                    }
                    c.sendGradient(cmd.step(), new StepStats(cmd.count(), 0, cmd.count()), 1000, g);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("worker " + w + ": " + e, e);
            }
        };
    }

    /** Plays Spark: the gang starts after {@code delayMillis} (its slots were busy), all its tasks at once. */
    CompletableFuture<Void> gangAfter(long delayMillis, int hangingWorker) {
        return CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                return;
            }
            List<CompletableFuture<Void>> tasks = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                tasks.add(CompletableFuture.runAsync(worker(w, w == hangingWorker)));
            }
            tasks.forEach(t -> t.handle((v, ex) -> null).join());
        });
    }

    List<Long> runEpoch(CompletableFuture<Void> job, Duration stepTimeout, Duration gangTimeout, List<String> status) {
        List<Long> applied = new ArrayList<>();
        float[] params = {1, 2, 3, 4, 5};
        new BarrierCoordinator(server, plan, N, stepTimeout, gangTimeout, status::add).run(new EpochSpec(0, 0, 0, "g", "d"), params,
                s -> {
                    applied.add(s.globalStep());
                    return params;
                }, BarrierCoordinatorTest.handle(job));
        return applied;
    }

    @Test
    void aGangScheduledAfterTheStepTimeoutWaitsForItsSlotsAndSaysSo() {
        List<String> status = new CopyOnWriteArrayList<>();
        // The gang comes 3.5 s late, the step timeout is 1 s: before the fix this failed as a hung step 0.
        List<Long> applied = runEpoch(gangAfter(3500, -1), Duration.ofSeconds(1), Duration.ofSeconds(60), status);
        List<Long> all = new ArrayList<>();
        for (long s = 0; s < plan.steps(); s++) {
            all.add(s);
        }
        assertEquals(all, applied, "every step once, in order, after the wait");
        assertFalse(status.isEmpty(), "the wait was reported");
        assertTrue(status.get(0).startsWith("waiting for 2 barrier slots"), status.get(0));
    }

    @Test
    void aGangThatIsNeverScheduledFailsAtTheGangTimeoutNamingTheWait() {
        List<String> status = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> never = new CompletableFuture<>();
        long t0 = System.nanoTime();
        TrainingException e = assertThrows(TrainingException.class,
                () -> runEpoch(never, Duration.ofMillis(500), Duration.ofMillis(3000), status));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(e.getMessage().contains("waiting for 2 barrier slots") && e.getMessage().contains("gang-scheduling timeout of 3 s"),
                e.getMessage());
        assertTrue(seconds >= 3 && seconds < 15, "failed after " + seconds + " s, not at the 0.5 s step timeout");
        assertTrue(never.isCancelled(), "the job was cancelled");
        assertFalse(status.isEmpty(), "the wait was reported before it failed");
    }

    @Test
    void theStepTimeoutCountsOnceTheGangHasJoined() {
        long t0 = System.nanoTime();
        TrainingException e = assertThrows(TrainingException.class,
                () -> runEpoch(gangAfter(0, 1), Duration.ofMillis(1500), Duration.ofSeconds(60), new ArrayList<>()));
        assertTrue(e.getMessage().contains("timed out") && e.getMessage().contains("[1]"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "the step timeout, not the 60 s gang timeout, fired");
    }
}
