package io.sparkgrad.trainer.sweep;

import io.sparkgrad.cuda.GpuContext;
import io.sparkgrad.cuda.GpuSequential;
import io.sparkgrad.data.Batch;
import io.sparkgrad.nn.Parameter;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * A trial's model computing its forward and backward passes on a GPU ({@link GpuSequential}) while its parameters and
 * optimizer stay with the host model: a step uploads the parameters, runs the minibatch on the device, and sets every
 * parameter's gradient to the batch-mean gradient, so that the host optimizer takes the step a CPU trial takes. The
 * host model stays the one truth, so checkpoints, the schedule and the state dict are the CPU trial's. Batch norm's
 * running statistics go the same way: in with the parameters, and back into the host model's buffers after every
 * training step, where a CPU trial's forward pass leaves them.
 *
 * <p>Per step: the parameters in, the minibatch in, the gradient sum with the loss sum and correct count out
 * ({@code O(P)} each way; the driver-free optimizer step is {@code O(P)} on the host too). Dropout masks are drawn on the
 * device from the step's seed, so they are not the CPU trial's masks.
 */
final class GpuTrialModel implements AutoCloseable {
    private final Sequential model;
    private final List<Parameter> params;
    private final GpuSequential gpu;
    private final float[] values;
    private final float[] gradSum;

    /**
     * @throws IllegalArgumentException naming the layer when the model has one that does not run on the GPU
     */
    GpuTrialModel(Sequential model, int[] sampleShape, GpuContext device) {
        this.model = model;
        this.params = model.parameters();
        this.gpu = GpuSequential.of(model, sampleShape, device);
        this.values = new float[gpu.numParameters()];
        this.gradSum = new float[gpu.numParameters()];
    }

    /**
     * One training step's forward and backward pass: the batch's mean cross-entropy; when it is finite, each parameter's
     * {@code grad} is set to the mean gradient over the batch (what {@code crossEntropy(...).backward()} gives).
     *
     * @param seed the step's seed for dropout masks
     */
    float step(Batch batch, long seed) {
        upload();
        gpu.train(true);
        Arrays.fill(gradSum, 0f);
        GpuSequential.Result r = gpu.step(batch.x().toFloatArray(), batch.y().toIntArray(), seed, gradSum);
        gpu.copyRunningStatisticsTo(model);
        float loss = (float) (r.lossSum() / r.count());
        if (Float.isFinite(loss)) {
            float n = r.count();
            int at = 0;
            for (Parameter p : params) {
                float[] g = new float[p.numel()];
                for (int i = 0; i < g.length; i++) {
                    g[i] = gradSum[at + i] / n;
                }
                at += g.length;
                p.setGrad(Tensor.of(g, p.shape()));
            }
        }
        return loss;
    }

    /** The batch's summed cross-entropy and correct count in evaluation mode: {@code {lossSum, correct}}. */
    double[] evaluate(Batch batch) {
        upload();
        gpu.train(false);
        GpuSequential.Result r = gpu.evaluate(batch.x().toFloatArray(), batch.y().toIntArray());
        return new double[] {r.lossSum(), r.correct()};
    }

    /**
     * Copies the host parameters, which the host optimizer updated, and the running statistics (restored from a
     * checkpoint, say) to the device.
     */
    private void upload() {
        int at = 0;
        for (Parameter p : params) {
            float[] v = p.toFloatArray();
            System.arraycopy(v, 0, values, at, v.length);
            at += v.length;
        }
        gpu.setParameters(values);
        gpu.loadRunningStatistics(model);
    }

    /** Returns the device parameters and gradients to the run's allocator. */
    @Override
    public void close() {
        gpu.close();
    }
}
