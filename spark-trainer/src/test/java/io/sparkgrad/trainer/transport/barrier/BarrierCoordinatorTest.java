package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.StepStats;
import io.sparkgrad.trainer.TrainingException;
import io.sparkgrad.trainer.plan.BatchPlan;
import io.sparkgrad.trainer.transport.AggregatedStep;
import io.sparkgrad.trainer.transport.EpochSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The barrier transport's driver side without Spark: fake workers speak the real protocol over loopback, and a
 * fake job plays Spark's part (relaunching the whole gang with a higher stage attempt when one task dies).
 */
class BarrierCoordinatorTest {

    private static final int WORKERS = 3;
    private static final int N = 5;
    private final byte[] secret = Handshake.newSecret();
    private final BatchPlan plan = BatchPlan.of(new int[] {10, 12, 8}, 6);
    private AggregationServer server;

    @BeforeEach
    void start() throws IOException {
        server = new AggregationServer("127.0.0.1", secret, WORKERS, N, Duration.ofSeconds(2));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A worker's gradient for a step: a pure function of the weights, the worker and its slice. */
    static float[] gradient(float[] params, int worker, int offset, int count) {
        float[] g = new float[N];
        for (int i = 0; i < N; i++) {
            g[i] = count * (0.5f * params[i] - 0.1f * (worker + 1)) + offset * 0.01f;
        }
        return g;
    }

    /** Runs one fake worker task; {@code dieAtStep} >= 0 makes it drop its connection before sending that step. */
    Runnable worker(int w, int attempt, long dieAtStep, List<String> log) {
        return () -> {
            try (WorkerClient c = WorkerClient.connect("127.0.0.1", server.address().getPort(), secret, w, attempt, 0, N, 2000, 10_000)) {
                float[] params = new float[N];
                while (true) {
                    WorkerClient.Command cmd = c.next(params);
                    if (cmd.type() == Wire.END) {
                        return;
                    }
                    if (cmd.type() == Wire.ABORT) {
                        throw new IllegalStateException("aborted: " + cmd.message());
                    }
                    if (cmd.step() == dieAtStep) {
                        throw new IllegalStateException("injected death of worker " + w + " at step " + cmd.step());
                    }
                    log.add(attempt + ":" + w + ":" + cmd.step());
                    c.sendGradient(cmd.step(), new StepStats(cmd.count() * 0.25, 0, cmd.count()), 1000, gradient(params, w, cmd.offset(), cmd.count()));
                }
            } catch (IOException e) {
                throw new IllegalStateException("worker " + w + " attempt " + attempt + ": " + e.getMessage(), e);
            }
        };
    }

    /** Plays Spark: runs the gang; if a task fails, waits for the rest and relaunches all with the next attempt. */
    CompletableFuture<Void> gang(long dieAtStep, int dyingWorker, List<String> log) {
        return CompletableFuture.runAsync(() -> {
            for (int attempt = 0; attempt < 3; attempt++) {
                List<CompletableFuture<Void>> tasks = new ArrayList<>();
                for (int w = 0; w < WORKERS; w++) {
                    tasks.add(CompletableFuture.runAsync(worker(w, attempt, attempt == 0 && w == dyingWorker ? dieAtStep : -1, log)));
                }
                boolean failed = false;
                for (CompletableFuture<Void> t : tasks) {
                    try {
                        t.get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        failed = true;
                    }
                }
                if (!failed) {
                    return;
                }
            }
            throw new IllegalStateException("gang failed three times");
        });
    }

    static JobHandle handle(CompletableFuture<Void> f) {
        return new JobHandle() {
            @Override
            public boolean isDone() {
                return f.isDone();
            }

            @Override
            public Throwable failure() {
                try {
                    f.get();
                    return null;
                } catch (InterruptedException | ExecutionException e) {
                    return e;
                }
            }

            @Override
            public void cancel() {
                f.cancel(true);
            }
        };
    }

    /** Runs an epoch and returns the final weights; records the steps the handler saw. */
    float[] runEpoch(CompletableFuture<Void> job, List<Long> applied, Duration timeout) {
        float[] params = {1, 2, 3, 4, 5};
        BarrierCoordinator coordinator = new BarrierCoordinator(server, plan, N, timeout);
        coordinator.run(new EpochSpec(0, 0, 0, "g", "d"), params, (AggregatedStep s) -> {
            applied.add(s.globalStep());
            assertEquals(6, s.stats().count());
            for (int i = 0; i < N; i++) {
                params[i] -= 0.1f * s.gradSum()[i] / 6;
            }
            return params;
        }, handle(job));
        return params;
    }

    /** What one process computes for the same steps. */
    float[] reference() {
        float[] p = {1, 2, 3, 4, 5};
        for (int s = 0; s < plan.steps(); s++) {
            float[][] leaves = new float[WORKERS][];
            for (int w = 0; w < WORKERS; w++) {
                leaves[w] = gradient(p, w, plan.offset(s, w), plan.count(s, w));
            }
            io.sparkgrad.trainer.transport.GradientSum sum = new io.sparkgrad.trainer.transport.GradientSum();
            for (int w = 0; w < WORKERS; w++) {
                sum.add(w, StepStats.ZERO, leaves[w], 0);
            }
            float[] g = sum.result(WORKERS).gradSum();
            for (int i = 0; i < N; i++) {
                p[i] -= 0.1f * g[i] / 6;
            }
        }
        return p;
    }

    @Test
    void appliesEveryStepOnceInOrder() {
        List<String> log = new CopyOnWriteArrayList<>();
        List<Long> applied = new ArrayList<>();
        float[] result = runEpoch(gang(-1, -1, log), applied, Duration.ofSeconds(20));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), applied);
        assertArrayEquals(reference(), result, 0f);
        assertEquals(WORKERS * plan.steps(), log.size());
    }

    @Test
    void aDyingWorkerCostsOnlyTheStepInFlightAndNoStepIsAppliedTwice() {
        List<String> log = new CopyOnWriteArrayList<>();
        List<Long> applied = new ArrayList<>();
        float[] result = runEpoch(gang(2, 1, log), applied, Duration.ofSeconds(20));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), applied, "each step applied exactly once");
        assertArrayEquals(reference(), result, 0f, "the relaunched gang recomputes the lost step exactly");
        assertTrue(log.contains("1:0:2") && log.contains("1:1:2") && log.contains("1:2:2"), "attempt 1 rejoined at step 2: " + log);
        assertTrue(log.stream().noneMatch(e -> e.startsWith("1:") && (e.endsWith(":0") || e.endsWith(":1"))),
                "attempt 1 did not redo applied steps: " + log);
    }

    @Test
    void aWorkerErrorTravelsToTheDriverWhenTheJobGivesUp() {
        CompletableFuture<Void> job = CompletableFuture.runAsync(() -> {
            try (WorkerClient c = WorkerClient.connect("127.0.0.1", server.address().getPort(), secret, 0, 0, 0, N, 2000, 10_000)) {
                c.next(new float[N]);
                c.sendError(0, "java.lang.OutOfMemoryError: replica could not allocate 42 bytes");
                Thread.sleep(300);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
            throw new IllegalStateException("task failed for good");
        });
        TrainingException e = assertThrows(TrainingException.class, () -> runEpoch(job, new ArrayList<>(), Duration.ofSeconds(20)));
        assertTrue(e.getMessage().contains("could not allocate 42 bytes") && e.getMessage().contains("worker 0"), e.getMessage());
    }

    @Test
    void aHungWorkerTimesOutNamingTheStepAndTheWorker() {
        List<String> log = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> job = CompletableFuture.runAsync(() -> {
            List<CompletableFuture<Void>> tasks = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                int k = w;
                tasks.add(CompletableFuture.runAsync(k == 2 ? () -> {
                    try (WorkerClient c = WorkerClient.connect("127.0.0.1", server.address().getPort(), secret, k, 0, 0, N, 2000, 10_000)) {
                        c.next(new float[N]);
                        Thread.sleep(20_000);
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                } : worker(k, 0, -1, log)));
            }
            tasks.forEach(t -> t.handle((v, ex) -> null).join());
        });
        long t0 = System.nanoTime();
        TrainingException e = assertThrows(TrainingException.class, () -> runEpoch(job, new ArrayList<>(), Duration.ofMillis(1500)));
        assertTrue(e.getMessage().contains("step 0") && e.getMessage().contains("timed out") && e.getMessage().contains("[2]"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "the timeout fired promptly");
    }

    @Test
    void refusesAWrongSecretAndGarbageWithoutDisturbingAnything() throws Exception {
        byte[] wrong = Handshake.newSecret();
        IOException refused = assertThrows(IOException.class,
                () -> WorkerClient.connect("127.0.0.1", server.address().getPort(), wrong, 0, 0, 0, N, 2000, 2000));
        assertTrue(refused.getMessage().contains("refused"), refused.getMessage());

        try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
            s.setSoTimeout(3000);
            InputStream in = s.getInputStream();
            in.readNBytes(Wire.HELLO_BYTES);
            byte[] junk = new byte[4096];
            new Random(1).nextBytes(junk);
            OutputStream out = s.getOutputStream();
            out.write(junk);
            out.flush();
            // The server answers the bad handshake with at most a refusal, then closes the connection.
            byte[] rest = in.readAllBytes();
            assertTrue(rest.length <= Wire.RESULT_BYTES, "server sent " + rest.length + " bytes to a garbage client");
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.refusedConnections() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(2, server.refusedConnections());
        assertTrue(server.events().isEmpty(), "refused clients never reach the coordinator");

        // The server still serves a real epoch afterwards.
        List<Long> applied = new ArrayList<>();
        assertArrayEquals(reference(), runEpoch(gang(-1, -1, new CopyOnWriteArrayList<>()), applied, Duration.ofSeconds(20)), 0f);
    }
}
