package io.sparkgrad.trainer.engine;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.trainer.ForwardingReplicaModel;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.StepStats;

import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wraps a replica factory to record, in this JVM (local mode runs the tasks here), the thread counts replicas are
 * built with and the engine's thread count while they compute.
 */
final class ThreadRecorder {
    private static final ConcurrentSkipListSet<Integer> CREATED = new ConcurrentSkipListSet<>();
    private static final ConcurrentSkipListSet<Integer> COMPUTED = new ConcurrentSkipListSet<>();
    private static final AtomicLong CALLS = new AtomicLong();

    private ThreadRecorder() {
    }

    static void reset() {
        CREATED.clear();
        COMPUTED.clear();
        CALLS.set(0);
    }

    static List<Integer> createdWith() {
        return List.copyOf(CREATED);
    }

    static List<Integer> computedWith() {
        return List.copyOf(COMPUTED);
    }

    static long calls() {
        return CALLS.get();
    }

    static ReplicaFactory wrap(ReplicaFactory inner) {
        return threads -> {
            CREATED.add(threads);
            return new Recording(inner.create(threads));
        };
    }

    private static final class Recording extends ForwardingReplicaModel {
        Recording(ReplicaModel inner) {
            super(inner);
        }

        @Override
        public StepStats computeGradient(SampleBlock block, int[] order, int from, int count, float[] gradSumOut) {
            StepStats s = inner.computeGradient(block, order, from, count, gradSumOut);
            record();
            return s;
        }

        @Override
        public StepStats evaluate(SampleBlock block, int from, int count) {
            StepStats s = inner.evaluate(block, from, count);
            record();
            return s;
        }

        /** Read right after the call: another task of this JVM sets the same count, never another one. */
        private static void record() {
            COMPUTED.add(Parallelism.numThreads());
            CALLS.incrementAndGet();
        }
    }
}
