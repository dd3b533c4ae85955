package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.StepStats;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.sparkgrad.trainer.transport.barrier.FrameStreamingTest.distinct;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The in-memory link keeps the socket's protocol: a task in the driver's JVM finds the server only with the run's
 * secret, the coordinator gets the same events, commands arrive in order and whole, a gradient buffer is lent one at
 * a time, and closing from either end ends the other's reads as a closed socket would.
 */
class InProcessLinkTest {

    private static final int N = 1000;
    private final byte[] secret = Handshake.newSecret();
    @AutoClose
    private AggregationServer server;

    private AggregationServer startServer(int workers) throws IOException {
        server = new AggregationServer("127.0.0.1", secret, workers, N, Duration.ofSeconds(5));
        server.acceptInProcess();
        return server;
    }

    private ServerEvent next() throws InterruptedException {
        ServerEvent ev = server.events().poll(10, TimeUnit.SECONDS);
        assertTrue(ev != null, "no event from the server within 10 s");
        return ev;
    }

    /** Waits, on another thread, until the coordinator may change the weights it sent {@code conn}. */
    private static CompletableFuture<Void> weightsFreed(WorkerLink conn) {
        return CompletableFuture.runAsync(() -> {
            try {
                conn.awaitWeightsWritten(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Both ends of one worker's link. */
    private record Ends(DriverLink worker, WorkerLink conn) {
    }

    /** A server for one worker, and that worker joined. */
    private Ends oneWorker() throws Exception {
        startServer(1);
        DriverLink worker = join(0);
        return new Ends(worker, next().connection());
    }

    private DriverLink join(int worker) throws IOException {
        return InProcessEndpoints.find(server.port(), secret).orElseThrow().joinInProcess(worker, 0, 0, 10_000);
    }

    @Test
    void onlyTheRunsSecretFindsTheServerAndOnlyWhileItIsOpen() throws IOException {
        startServer(2);
        assertTrue(InProcessEndpoints.find(server.port(), secret).isPresent());
        assertTrue(InProcessEndpoints.find(server.port(), Handshake.newSecret()).isEmpty(), "another secret finds nothing");
        assertTrue(InProcessEndpoints.find(server.port() + 1, secret).isEmpty(), "another port finds nothing");
        ProtocolException e = assertThrows(ProtocolException.class, () -> server.joinInProcess(2, 0, 0, 1000));
        assertTrue(e.getMessage().contains("worker 2 (of 2)"), e.getMessage());
        server.close();
        assertTrue(InProcessEndpoints.find(server.port(), secret).isEmpty(), "a closed server takes no joins");
    }

    @Test
    void aServerThatDoesNotAcceptInProcessJoinsIsNotFound() throws IOException {
        server = new AggregationServer("127.0.0.1", secret, 1, N, Duration.ofSeconds(5));
        assertTrue(InProcessEndpoints.find(server.port(), secret).isEmpty());
    }

    @Test
    void weightsAreLentUntilTheWorkersGradientAndThenFree() throws Exception {
        startServer(1);
        try (DriverLink worker = join(0)) {
            WorkerLink conn = assertInstanceOf(ServerEvent.Joined.class, next()).connection();
            assertEquals(0, conn.worker());
            assertEquals(1, server.inProcessJoins());
            float[] weights = distinct(N, 1);
            for (int step = 0; step < 2; step++) {
                conn.sendParams(step, 3, 5, weights, N);
                CompletableFuture<Void> waited = weightsFreed(conn);
                DriverLink.Command cmd = worker.next(new float[0]);
                assertEquals(Wire.PARAMS, cmd.type());
                assertEquals(step, cmd.step());
                assertEquals(3, cmd.offset());
                assertEquals(5, cmd.count());
                assertSame(weights, cmd.weights(), "the coordinator's array itself, read in place");
                Thread.sleep(100);
                assertFalse(waited.isDone(), "the weights are not free while the worker may still read them");
                worker.sendGradient(step, new StepStats(1, 1, 5), 1, new float[N]);
                waited.get(10, TimeUnit.SECONDS);
                assertFalse(conn.isClosed());
                next();
                conn.consumed();
            }
        }
    }

    @Test
    void weightsSentBeforeTheWorkerReadsThemAreNotReturnedEarly() throws Exception {
        startServer(1);
        try (DriverLink worker = join(0)) {
            WorkerLink conn = next().connection();
            conn.sendParams(0, 0, 1, distinct(N, 1), N);
            worker.next(new float[0]);
            worker.sendGradient(0, new StepStats(1, 1, 1), 1, new float[N]);
            next();
            conn.consumed();
            // The next weights are queued before the worker asks for them: returning the last ones must not free these.
            conn.sendParams(1, 0, 1, distinct(N, 2), N);
            CompletableFuture<Void> waited = weightsFreed(conn);
            assertEquals(1, worker.next(new float[0]).step());
            Thread.sleep(100);
            assertFalse(waited.isDone());
            assertEquals(Wire.END, nextAfter(conn, worker).type());
            waited.get(10, TimeUnit.SECONDS);
        }
    }

    /** Ends the epoch: the worker's request for its next command returns the weights it holds. */
    private static DriverLink.Command nextAfter(WorkerLink conn, DriverLink worker) throws IOException {
        conn.sendEnd(2);
        return worker.next(new float[0]);
    }

    @Test
    void aGradientIsLentUntilConsumedAndTheNextWaitsForIt() throws Exception {
        startServer(1);
        try (DriverLink worker = join(0)) {
            WorkerLink conn = next().connection();
            float[] grad = distinct(N, 2);
            StepStats stats = new StepStats(1.5, 3, 4);
            worker.sendGradient(0, stats, 99, grad);
            ServerEvent.Contribution c = assertInstanceOf(ServerEvent.Contribution.class, next());
            assertSame(grad, c.grad(), "the worker's array, not a copy");
            assertEquals(stats, c.stats());
            assertEquals(99, c.computeNanos());
            assertSame(conn, c.connection());
            CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
                try {
                    worker.sendGradient(1, stats, 1, grad);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertNull(server.events().poll(200, TimeUnit.MILLISECONDS), "no second contribution before the first is consumed");
            conn.consumed();
            assertEquals(1, assertInstanceOf(ServerEvent.Contribution.class, next()).step());
            second.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void commandsSentBeforeTheDriverClosesAreReadThenReadsFail() throws Exception {
        Ends ends = oneWorker();
        DriverLink worker = ends.worker();
        WorkerLink conn = ends.conn();
        conn.sendAbort(4, "loss is NaN");
        conn.close("epoch over");
        assertTrue(conn.isClosed());
        assertEquals(new DriverLink.Command(Wire.ABORT, 4, 0, 0, "loss is NaN", null), worker.next(new float[N]));
        IOException e = assertThrows(IOException.class, () -> worker.next(new float[N]));
        assertTrue(e.getMessage().contains("epoch over"), e.getMessage());
        assertThrows(IOException.class, () -> worker.next(new float[N]), "every later read fails too");
        assertThrows(IOException.class, () -> worker.sendGradient(4, StepStats.ZERO, 0, new float[N]));
        ServerEvent.Closed closed = assertInstanceOf(ServerEvent.Closed.class, next());
        assertEquals("epoch over", closed.reason());
        conn.close("again");
        assertNull(server.events().poll(100, TimeUnit.MILLISECONDS), "one Closed event per link");
    }

    @Test
    void aWorkerErrorReachesTheCoordinatorThenTheLinkCloses() throws Exception {
        Ends ends = oneWorker();
        ends.worker().sendError(2, "boom");
        ServerEvent.WorkerFailed f = assertInstanceOf(ServerEvent.WorkerFailed.class, next());
        assertEquals(2, f.step());
        assertEquals("boom", f.message());
        assertInstanceOf(ServerEvent.Closed.class, next());
        assertTrue(ends.conn().isClosed());
    }

    @Test
    void aWorkerWaitingForACommandGivesUpAfterItsReadTimeoutAndAClosedServerEndsItsWait() throws Exception {
        startServer(2);
        DriverLink impatient = InProcessEndpoints.find(server.port(), secret).orElseThrow().joinInProcess(0, 0, 0, 100);
        assertThrows(SocketTimeoutException.class, () -> impatient.next(new float[N]));
        DriverLink waiting = join(1);
        CompletableFuture<IOException> read = CompletableFuture.supplyAsync(() -> {
            try {
                waiting.next(new float[N]);
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        Thread.sleep(100);
        server.close();
        IOException e = read.get(10, TimeUnit.SECONDS);
        assertTrue(e != null && e.getMessage().contains("aggregation server closed"), String.valueOf(e));
    }
}
