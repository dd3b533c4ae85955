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
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A barrier epoch whose tasks stall where no step is in flight: after the epoch's last step (the tasks got END but
 * never finish), and with a worker that stopped reading so that the driver's write of its weights is stuck in the
 * socket. Either way the driver gives up at its step timeout, cancels the job before it waits for anything, and
 * returns promptly. Fake workers speak the real protocol; a fake job plays Spark, and its cancellation is timed.
 */
class StalledEpochTest extends LoopbackServerTest {

    private static final int WORKERS = 2;
    private static final Duration STEP_TIMEOUT = Duration.ofMillis(1500);

    @Override
    int workers() {
        return WORKERS;
    }

    /** A fake task on {@code srv}: answers every step, and after END stays busy for half a minute (it never reports). */
    static Runnable stallingAfterEnd(AggregationServer srv, byte[] secret, int w, int n) {
        return () -> {
            try (WorkerClient c = WorkerClient.connect("127.0.0.1", srv.address().getPort(), secret, w, 0, 0, n, 2000, 30_000)) {
                float[] params = new float[n];
                while (true) {
                    DriverLink.Command cmd = c.next(params);
                    if (cmd.type() != Wire.PARAMS) {
                        break;
                    }
                    c.sendGradient(cmd.step(), new StepStats(cmd.count(), 0, cmd.count()), 1000, new float[n]);
                }
                Thread.sleep(30_000);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("worker " + w + ": " + e, e);
            }
        };
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static CompletableFuture<Void> gang(List<Runnable> tasks) {
        return CompletableFuture.runAsync(() -> tasks.stream().map(CompletableFuture::runAsync).toList()
                .forEach(t -> t.handle((v, ex) -> null).join()));
    }

    @Test
    void tasksThatStallAfterTheEpochsLastStepFailTheEpochOneStepTimeoutLaterAndTheJobIsCancelled() {
        BatchPlan plan = BatchPlan.of(new int[] {10, 12}, 6, true);
        CompletableFuture<Void> tasks = gang(List.of(stallingAfterEnd(server, secret, 0, N), stallingAfterEnd(server, secret, 1, N)));
        AtomicLong cancelledAt = new AtomicLong();
        JobHandle job = JobHandle.of(tasks, () -> cancelledAt.compareAndSet(0, System.nanoTime()));
        List<Long> applied = new ArrayList<>();
        AtomicLong lastStepAt = new AtomicLong();
        float[] params = {1, 2, 3, 4, 5};
        BarrierCoordinator coordinator = new BarrierCoordinator(server, plan, N, STEP_TIMEOUT);
        TrainingException e = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(TrainingException.class,
                () -> coordinator.run(new EpochSpec(0, 0, 0, "g", "d"), params, s -> {
                    applied.add(s.globalStep());
                    lastStepAt.set(System.nanoTime());
                    return params;
                }, job)), "the driver waited for the stalled tasks (30 s) instead of its step timeout");
        long failedAt = System.nanoTime();
        assertEquals(List.of(0L, 1L, 2L), applied, "every step was applied before the stall");
        assertTrue(e.getMessage().contains("did not finish within 1.5 s (the step timeout) after the epoch's last step (step 2)"), e.getMessage());
        double afterLastStep = (failedAt - lastStepAt.get()) / 1e9;
        double timeout = STEP_TIMEOUT.toMillis() / 1e3;
        assertTrue(afterLastStep >= timeout && afterLastStep < timeout + 1.0,
                "failed " + afterLastStep + " s after the last step; the step timeout is " + timeout + " s");
        assertTrue(cancelledAt.get() != 0 && tasks.isCancelled(), "the job was cancelled");
    }

    @Test
    void anAbortCancelsTheJobBeforeItWritesAndDoesNotWaitOnAWorkerThatStoppedReading() throws IOException {
        // 16 MB of weights: far more than loopback socket buffers hold, so the write to the worker that never reads
        // blocks (holding its channel) until the socket closes.
        int n = 4 << 20;
        BatchPlan plan = BatchPlan.of(new int[] {10, 12}, 6, true);
        List<String> events = new CopyOnWriteArrayList<>();
        AtomicLong abortReadAt = new AtomicLong();
        try (AggregationServer big = new AggregationServer("127.0.0.1", secret, WORKERS, n, Duration.ofSeconds(2))) {
            Runnable deaf = () -> {
                try (WorkerClient c = WorkerClient.connect("127.0.0.1", big.address().getPort(), secret, 0, 0, 0, n, 2000, 30_000)) {
                    events.add("worker 0 joined and reads nothing");
                    Thread.sleep(30_000);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            };
            Runnable listening = () -> {
                try (WorkerClient c = WorkerClient.connect("127.0.0.1", big.address().getPort(), secret, 1, 0, 0, n, 2000, 30_000)) {
                    float[] params = new float[n];
                    while (true) {
                        DriverLink.Command cmd = c.next(params);
                        if (cmd.type() == Wire.ABORT) {
                            abortReadAt.set(System.nanoTime());
                            events.add("worker 1 read ABORT: " + cmd.message());
                            return;
                        }
                        c.sendGradient(cmd.step(), new StepStats(cmd.count(), 0, cmd.count()), 1000, new float[n]);
                    }
                } catch (IOException e) {
                    events.add("worker 1: " + e);
                }
            };
            CompletableFuture<Void> tasks = gang(List.of(deaf, listening));
            AtomicLong cancelledAt = new AtomicLong();
            JobHandle job = JobHandle.of(tasks, () -> cancelledAt.compareAndSet(0, System.nanoTime()));
            BarrierCoordinator coordinator = new BarrierCoordinator(big, plan, n, STEP_TIMEOUT);
            long t0 = System.nanoTime();
            TrainingException e = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(TrainingException.class,
                    () -> coordinator.run(new EpochSpec(0, 0, 0, "g", "d"), new float[n], s -> new float[n], job)),
                    "the abort waited on the socket of the worker that stopped reading");
            double seconds = (System.nanoTime() - t0) / 1e9;
            // Worker 1 may not have sent its 16 MB either by then on a busy machine; worker 0 never does.
            assertTrue(e.getMessage().contains("step 0") && e.getMessage().contains("timed out") && e.getMessage().contains("workers [0"),
                    e.getMessage());
            assertTrue(seconds < STEP_TIMEOUT.toMillis() / 1e3 + BarrierCoordinator.ABORT_WAIT.toMillis() / 1e3 + 1.5,
                    "returned " + seconds + " s after the start: the step timeout, then at most the abort's bounded wait");
            assertTrue(cancelledAt.get() != 0 && tasks.isCancelled(), "the job was cancelled");
            long waitFor = System.nanoTime() + 5_000_000_000L;
            while (abortReadAt.get() == 0 && System.nanoTime() < waitFor) {
                sleep(20);
            }
            assertTrue(abortReadAt.get() != 0, "the worker that reads got the ABORT: " + events);
            assertTrue(cancelledAt.get() < abortReadAt.get(), "the job was cancelled before the workers were told: " + events);
        }
    }
}
