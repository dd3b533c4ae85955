package io.sparkgrad.trainer;

import io.sparkgrad.ingest.block.SampleBlock;

import java.util.List;

/**
 * A replica that hands every call to another: the base of replicas that change or watch some calls and pass the rest
 * through unchanged (the GPU replica, which computes on a GPU and keeps its parameters in a CPU replica; in tests, fault
 * injection and thread recording). {@link #computeGradientSum} keeps its default, which goes through
 * {@link #computeGradient}, so that a subclass that overrides only that one is never bypassed.
 */
public abstract class ForwardingReplicaModel implements ReplicaModel {

    /** The wrapped replica. */
    protected final ReplicaModel inner;

    protected ForwardingReplicaModel(ReplicaModel inner) {
        this.inner = inner;
    }

    @Override
    public int numParameters() {
        return inner.numParameters();
    }

    @Override
    public float[] getParameters() {
        return inner.getParameters();
    }

    @Override
    public void setParameters(float[] flat) {
        inner.setParameters(flat);
    }

    @Override
    public void train(boolean training) {
        inner.train(training);
    }

    @Override
    public void beginStep(long step, long seed) {
        inner.beginStep(step, seed);
    }

    @Override
    public StepStats computeGradient(SampleBlock block, int[] order, int from, int count, float[] gradSumOut) {
        return inner.computeGradient(block, order, from, count, gradSumOut);
    }

    @Override
    public StepStats evaluate(SampleBlock block, int from, int count) {
        return inner.evaluate(block, from, count);
    }

    @Override
    public List<ParameterSlice> parameterLayout() {
        return inner.parameterLayout();
    }

    @Override
    public void close() {
        inner.close();
    }
}
