package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.StepStats;
import io.sparkgrad.trainer.TrainingException;
import io.sparkgrad.trainer.plan.BatchPlan;
import io.sparkgrad.trainer.transport.AggregatedStep;
import io.sparkgrad.trainer.transport.EpochSpec;
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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The barrier transport's driver side without Spark: fake workers speak the real protocol over loopback, and a
 * fake job plays Spark's part (relaunching the whole gang with a higher stage attempt when one task dies).
 */
class BarrierCoordinatorTest extends LoopbackServerTest {

    private static final int WORKERS = 3;
    private final BatchPlan plan = BatchPlan.of(new int[] {10, 12, 8}, 6, false);

    @Override
    int workers() {
        return WORKERS;
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
                    DriverLink.Command cmd = c.next(params);
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
        return JobHandle.of(f);
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

    /** What a rogue but authenticated worker 0 does once it has step 0's weights. */
    interface Misbehaviour {
        void act(WorkerClient c, DriverLink.Command step0, float[] params) throws IOException;
    }

    /** A gradient frame's body parts, as {@link WorkerClient#sendGradient} writes them. */
    static void writeGradient(WorkerClient c, long step, int claimedWorker, float[] grad) throws IOException {
        byte[] fixed = new byte[Wire.GRADIENT_FIXED];
        java.nio.ByteBuffer b = Wire.le(fixed).putDouble(0.5).putLong(0).putLong(2).putLong(0);
        b.putInt(N);
        c.channel().writeFrame(Wire.GRADIENT, step, claimedWorker, fixed, fixed.length, Wire.encodeFloats(grad, N), 4 * N);
    }

    /**
     * Worker 0 authenticates and misbehaves, workers 1 and 2 behave, and the job gives up after the gang breaks (as Spark
     * would after its retries). Returns the run's failure.
     */
    TrainingException rogueEpoch(Misbehaviour m, List<Long> applied) {
        CompletableFuture<Void> rogue = CompletableFuture.runAsync(() -> {
            try (WorkerClient c = WorkerClient.connect("127.0.0.1", server.address().getPort(), secret, 0, 0, 0, N, 2000, 10_000)) {
                float[] p = new float[N];
                m.act(c, c.next(p), p);
                while (true) {
                    c.next(p);
                }
            } catch (IOException e) {
                throw new IllegalStateException("rogue worker closed: " + e.getMessage(), e);
            }
        });
        List<String> log = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> job = CompletableFuture.allOf(rogue, CompletableFuture.runAsync(worker(1, 0, -1, log)),
                CompletableFuture.runAsync(worker(2, 0, -1, log)));
        return assertThrows(TrainingException.class, () -> runEpoch(job, applied, Duration.ofSeconds(20)));
    }

    @Test
    void anOversizedFrameFromAnAuthenticatedWorkerClosesItsConnectionBeforeAnyRead() {
        List<Long> applied = new ArrayList<>();
        TrainingException e = rogueEpoch((c, cmd, p) -> {
            byte[] header = new byte[Wire.HEADER_BYTES];
            Wire.le(header).putInt(Integer.MAX_VALUE).putInt(Wire.GRADIENT).putLong(cmd.step()).putInt(0);
            c.channel().writeRaw(header, header.length);
        }, applied);
        assertTrue(e.getMessage().contains("worker 0") && e.getMessage().contains("frame length 2147483647 is outside"), e.getMessage());
        assertEquals(List.of(), applied, "nothing reached the gradient sum");
    }

    @Test
    void aFrameClaimingAnotherWorkerClosesTheConnection() {
        List<Long> applied = new ArrayList<>();
        TrainingException e = rogueEpoch((c, cmd, p) -> writeGradient(c, cmd.step(), 1, new float[N]), applied);
        assertTrue(e.getMessage().contains("worker 0 sent a frame claiming to be worker 1"), e.getMessage());
        assertEquals(List.of(), applied);
    }

    @Test
    void aGradientForAnotherStepBreaksTheGangAndIsNeverSummed() {
        List<Long> applied = new ArrayList<>();
        TrainingException e = rogueEpoch((c, cmd, p) -> writeGradient(c, 7, 0, new float[N]), applied);
        assertTrue(e.getMessage().contains("worker 0") && e.getMessage().contains("sent a gradient for step 7 while the driver is at step 0"),
                e.getMessage());
        assertEquals(List.of(), applied);
    }

    @Test
    void aSecondGradientInOneStepIsRefusedAndNotSummedAgain() {
        List<Long> applied = new ArrayList<>();
        TrainingException e = rogueEpoch((c, cmd, p) -> {
            float[] g = gradient(p, 0, cmd.offset(), cmd.count());
            writeGradient(c, cmd.step(), 0, g);
            writeGradient(c, cmd.step(), 0, g);
        }, applied);
        // The connection's reader holds the second frame until the first is summed, so it meets the next step.
        assertTrue(e.getMessage().contains("worker 0") && e.getMessage().contains("sent a gradient for step 0 while the driver is at step 1"),
                e.getMessage());
        assertEquals(List.of(0L), applied, "step 0 summed once, with one gradient per worker");
    }

    /** Connects as {@code worker} and returns the first command, or the exception that ended the connection. */
    Object joinAndRead(WorkerClient c) {
        try {
            return c.next(new float[N]);
        } catch (IOException e) {
            return e;
        }
    }

    @Test
    void aDuplicateJoinReplacesTheOlderConnectionAndTheRunIsExact() throws Exception {
        try (WorkerClient first = WorkerClient.connect("127.0.0.1", server.address().getPort(), secret, 0, 0, 0, N, 2000, 10_000)) {
            List<Long> applied = new ArrayList<>();
            CompletableFuture<Void> job = new CompletableFuture<>();
            CompletableFuture<float[]> run = CompletableFuture.supplyAsync(() -> runEpoch(job, applied, Duration.ofSeconds(20)));
            // The first connection of worker 0 joins and gets step 0's weights; then the real gang joins.
            Object cmd = joinAndRead(first);
            assertTrue(cmd instanceof DriverLink.Command c && c.type() == Wire.PARAMS && c.step() == 0, "first join got " + cmd);
            gang(-1, -1, new CopyOnWriteArrayList<>()).whenComplete((v, e) -> {
                if (e != null) {
                    job.completeExceptionally(e);
                } else {
                    job.complete(null);
                }
            });
            float[] result = run.get(60, TimeUnit.SECONDS);
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L), applied);
            assertArrayEquals(reference(), result, 0f);
            // The older connection was closed when the second one of the same worker joined.
            IOException closed = assertThrows(IOException.class, () -> first.next(new float[N]));
            assertTrue(!(closed instanceof java.net.SocketTimeoutException), "closed, not timed out: " + closed);
        }
    }

    @Test
    void staleJoinsAreClosedWithoutWeightsAndTheRunIsExact() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        List<Object> staleOutcomes = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> tasks = new ArrayList<>();
        // The gang runs as stage attempt 1.
        for (int w = 0; w < WORKERS; w++) {
            tasks.add(CompletableFuture.runAsync(worker(w, 1, -1, log)));
        }
        // Once it has started: a task of the older attempt 0, and one of another epoch.
        tasks.add(CompletableFuture.runAsync(() -> {
            try {
                while (log.size() < WORKERS) {
                    Thread.sleep(5);
                }
                for (int[] who : new int[][] {{0, 0, 0}, {1, 1, 3}}) {
                    try (WorkerClient c = WorkerClient.connect("127.0.0.1", server.address().getPort(), secret, who[0], who[1], who[2], N,
                            2000, 5_000)) {
                        Object r = joinAndRead(c);
                        staleOutcomes.add(r instanceof IOException && !(r instanceof java.net.SocketTimeoutException) ? "closed" : r);
                    }
                }
            } catch (IOException | InterruptedException e) {
                staleOutcomes.add(e);
            }
        }));
        List<Long> applied = new ArrayList<>();
        // The job ends when the gang and the stale clients are done, so the coordinator answers every join.
        float[] result = runEpoch(CompletableFuture.allOf(tasks.toArray(new CompletableFuture[0])), applied, Duration.ofSeconds(20));
        assertEquals(List.of("closed", "closed"), staleOutcomes, "stale tasks get no weights and lose their connection");
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), applied);
        assertArrayEquals(reference(), result, 0f);
    }

    @Test
    void aSlowHandshakeIsCutAtItsDeadlineWhileARealWorkerJoins() throws Exception {
        // The server's handshake deadline is 2 s; this client sends one byte of its 80-byte proof every 300 ms, so
        // every single read succeeds well within the deadline.
        CompletableFuture<Long> slow = CompletableFuture.supplyAsync(() -> {
            long t0 = System.nanoTime();
            try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
                s.setSoTimeout(300);
                InputStream in = s.getInputStream();
                in.readNBytes(Wire.HELLO_BYTES);
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < Wire.AUTH_BYTES; i++) {
                    out.write(i);
                    out.flush();
                    try {
                        if (in.read() < 0) {
                            return (System.nanoTime() - t0) / 1_000_000;
                        }
                    } catch (java.net.SocketTimeoutException stillOpen) {
                        // Still open: trickle on.
                    }
                }
                return -1L;
            } catch (IOException e) {
                return (System.nanoTime() - t0) / 1_000_000;
            }
        });
        List<Long> applied = new ArrayList<>();
        assertArrayEquals(reference(), runEpoch(gang(-1, -1, new CopyOnWriteArrayList<>()), applied, Duration.ofSeconds(20)), 0f);
        long closedAfter = slow.get(20, TimeUnit.SECONDS);
        assertTrue(closedAfter >= 1800 && closedAfter < 4000, "slow client closed after " + closedAfter + " ms (deadline 2000 ms)");
        awaitRefused(1);
        assertEquals(1, server.refusedConnections());
    }

    @Test
    void unauthenticatedConnectionsAreLimitedPerSourceAddress() throws Exception {
        // A flood from 127.0.0.2 takes all its slots and holds them; its next connection is closed at once, unread,
        // while the workers (from 127.0.0.1) join and train.
        server.close();
        server = new AggregationServer("127.0.0.1", secret, WORKERS, N, Duration.ofSeconds(30));
        List<Socket> flood = new ArrayList<>();
        try {
            for (int i = 0; i < AggregationServer.MAX_HANDSHAKES_PER_SOURCE; i++) {
                Socket s = fromSecondLoopback();
                s.getInputStream().readNBytes(Wire.HELLO_BYTES);
                flood.add(s);
            }
            try (Socket over = fromSecondLoopback()) {
                long t0 = System.nanoTime();
                assertEquals(-1, over.getInputStream().read(), "over the limit: closed without a greeting");
                assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "closed at once, not at the handshake deadline");
            }
            awaitRefused(1);
            List<Long> applied = new ArrayList<>();
            assertArrayEquals(reference(), runEpoch(gang(-1, -1, new CopyOnWriteArrayList<>()), applied, Duration.ofSeconds(20)), 0f);
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L), applied);
            assertEquals(1, server.refusedConnections(), "only the connection over the limit was refused so far");
        } finally {
            for (Socket s : flood) {
                s.close();
            }
        }
    }

    @Test
    void aWorkerRefusedOverTheLimitRetriesUntilASlotFrees() throws Exception {
        server.close();
        server = new AggregationServer("127.0.0.1", secret, WORKERS, N, Duration.ofSeconds(30));
        List<Socket> flood = new ArrayList<>();
        for (int i = 0; i < AggregationServer.MAX_HANDSHAKES_PER_SOURCE; i++) {
            Socket s = new Socket("127.0.0.1", server.address().getPort());
            s.setSoTimeout(5000);
            s.getInputStream().readNBytes(Wire.HELLO_BYTES);
            flood.add(s);
        }
        // The worker shares the flood's address: refused before the greeting, it retries within its connect timeout.
        CompletableFuture<WorkerClient> joining = CompletableFuture.supplyAsync(() -> {
            try {
                return WorkerClient.connect("127.0.0.1", server.address().getPort(), secret, 0, 0, 0, N, 10_000, 10_000);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(500);
        assertTrue(!joining.isDone(), "still retrying while the slots are taken");
        for (Socket s : flood) {
            s.close();
        }
        try (WorkerClient c = joining.get(10, TimeUnit.SECONDS)) {
            assertTrue(server.events().poll(5, TimeUnit.SECONDS) instanceof ServerEvent.Joined);
        }
    }

    void awaitRefused(long n) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.refusedConnections() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    Socket fromSecondLoopback() throws IOException {
        Socket s = new Socket();
        s.bind(new java.net.InetSocketAddress("127.0.0.2", 0));
        s.connect(server.address(), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    @Test
    void theAcceptLoopSurvivesAcceptErrors() throws Exception {
        server.close();
        java.util.concurrent.atomic.AtomicInteger failuresLeft = new java.util.concurrent.atomic.AtomicInteger(3);
        java.net.ServerSocket flaky = new java.net.ServerSocket() {
            @Override
            public Socket accept() throws IOException {
                if (failuresLeft.getAndDecrement() > 0) {
                    throw new java.net.SocketException("injected accept failure (too many open files)");
                }
                return super.accept();
            }
        };
        flaky.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
        server = new AggregationServer(flaky, secret, WORKERS, N, Duration.ofSeconds(2));
        List<Long> applied = new ArrayList<>();
        assertArrayEquals(reference(), runEpoch(gang(-1, -1, new CopyOnWriteArrayList<>()), applied, Duration.ofSeconds(20)), 0f);
        assertEquals(3, server.acceptFailures());
    }

    @Test
    void closingTheServerClosesTheConnectionsItAccepted() throws Exception {
        try (WorkerClient joined = WorkerClient.connect("127.0.0.1", server.address().getPort(), secret, 0, 0, 0, N, 2000, 10_000);
             Socket handshaking = new Socket("127.0.0.1", server.address().getPort())) {
            assertTrue(server.events().poll(5, TimeUnit.SECONDS) instanceof ServerEvent.Joined);
            handshaking.setSoTimeout(5000);
            handshaking.getInputStream().readNBytes(Wire.HELLO_BYTES);
            long t0 = System.nanoTime();
            server.close();
            assertThrows(IOException.class, () -> joined.next(new float[N]));
            assertEquals(-1, handshaking.getInputStream().read());
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "closed at once, not at a read timeout");
        }
    }
}
