package io.sparkgrad.trainer.transport;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.StepStats;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The executor's replica pool serves many runs training at once: each keeps its replicas from step to step, however
 * many runs share the JVM, within the pool's bounds; a run that ended gives its replicas back.
 */
class ReplicaPoolTest {

    /** A replica that counts how many are open. */
    static final class Fake implements ReplicaModel {
        final AtomicInteger open;
        final int parameters;
        boolean closed;

        Fake(AtomicInteger open, int parameters) {
            this.open = open;
            this.parameters = parameters;
            open.incrementAndGet();
        }

        @Override
        public int numParameters() {
            return parameters;
        }

        @Override
        public float[] getParameters() {
            return new float[parameters];
        }

        @Override
        public void setParameters(float[] flat) {
        }

        @Override
        public void train(boolean training) {
        }

        @Override
        public StepStats computeGradient(SampleBlock block, int[] order, int from, int count, float[] gradSumOut) {
            return StepStats.ZERO;
        }

        @Override
        public StepStats evaluate(SampleBlock block, int from, int count) {
            return StepStats.ZERO;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                open.decrementAndGet();
            }
        }
    }

    @Test
    void fourRunsSteppingInTurnBuildTheirReplicasOnceNotEveryStep() {
        int runs = 4;
        int workers = 2;
        int steps = 50;
        AtomicInteger open = new AtomicInteger();
        AtomicInteger[] builds = new AtomicInteger[runs];
        List<ReplicaFactory> factories = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            AtomicInteger b = builds[r] = new AtomicInteger();
            factories.add(threads -> {
                b.incrementAndGet();
                return new Fake(open, 1000);
            });
        }
        try {
            // The stage-per-step transport's pattern: every step, each run's tasks take a replica and give it back;
            // the four runs' steps interleave on this executor.
            for (int s = 0; s < steps; s++) {
                for (int r = 0; r < runs; r++) {
                    String run = "pool-test-run-" + r;
                    List<ReplicaModel> inUse = new ArrayList<>();
                    for (int w = 0; w < workers; w++) {
                        inUse.add(ReplicaPool.acquire(run, factories.get(r), 1));
                    }
                    inUse.forEach(m -> ReplicaPool.release(run, m));
                }
            }
            for (int r = 0; r < runs; r++) {
                assertEquals(workers, builds[r].get(), "replicas built for run " + r + " over " + steps + " steps");
                assertEquals(workers, ReplicaPool.idleCount("pool-test-run-" + r));
            }
        } finally {
            for (int r = 0; r < runs; r++) {
                ReplicaPool.dropRun("pool-test-run-" + r);
            }
        }
        assertEquals(0, open.get(), "dropRun closed every idle replica");
    }

    @Test
    void manyRunsStayWithinTheBoundEvictingTheRunsUsedLeastRecently() {
        AtomicInteger open = new AtomicInteger();
        ReplicaFactory factory = threads -> new Fake(open, 10);
        int runs = ReplicaPool.MAX_IDLE / 2 + 8;
        try {
            for (int r = 0; r < runs; r++) {
                ReplicaModel a = ReplicaPool.acquire("bound-run-" + r, factory, 1);
                ReplicaModel b = ReplicaPool.acquire("bound-run-" + r, factory, 1);
                ReplicaPool.release("bound-run-" + r, a);
                ReplicaPool.release("bound-run-" + r, b);
                assertTrue(ReplicaPool.idleCount() <= ReplicaPool.MAX_IDLE, "idle replicas " + ReplicaPool.idleCount());
            }
            assertEquals(ReplicaPool.idleCount(), open.get(), "every replica outside the pool was closed");
            assertEquals(0, ReplicaPool.idleCount("bound-run-0"), "the run used least recently was evicted");
            assertEquals(2, ReplicaPool.idleCount("bound-run-" + (runs - 1)), "the newest run keeps its replicas");
            // A full pool still keeps the replicas of the run in use: it evicts another run's, not this one's.
            ReplicaModel again = ReplicaPool.acquire("bound-run-" + (runs - 1), factory, 1);
            ReplicaPool.release("bound-run-" + (runs - 1), again);
            assertEquals(2, ReplicaPool.idleCount("bound-run-" + (runs - 1)));
        } finally {
            for (int r = 0; r < runs; r++) {
                ReplicaPool.dropRun("bound-run-" + r);
            }
        }
        assertEquals(0, open.get());
    }
}
