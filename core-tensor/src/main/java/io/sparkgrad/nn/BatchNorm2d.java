package io.sparkgrad.nn;

import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;

/**
 * Batch normalisation over the channels of an image batch, as {@code torch.nn.BatchNorm2d} (affine, tracking running
 * statistics), computed by {@link F#batchNorm}. Training normalises with the batch's statistics and updates
 * {@code running_mean}/{@code running_var} (unbiased variance) with {@code momentum}; evaluation uses them.
 *
 * <p>Shape: input and output {@code [N, C, H, W]}. State: parameters {@code weight} (ones) and {@code bias} (zeros),
 * buffers {@code running_mean} (zeros), {@code running_var} (ones) and {@code num_batches_tracked} (a float scalar
 * counting training batches), all {@code [C]} but the last.
 */
public final class BatchNorm2d extends Module {
    private final int numFeatures;
    private final float eps;
    private final float momentum;

    /** {@code eps = 1e-5}, {@code momentum = 0.1}. */
    public BatchNorm2d(int numFeatures) {
        this(numFeatures, 1e-5f, 0.1f);
    }

    public BatchNorm2d(int numFeatures, float eps, float momentum) {
        if (numFeatures < 1) {
            throw new IllegalArgumentException("BatchNorm2d: num_features must be positive, got " + numFeatures);
        }
        if (!(eps > 0f)) {
            throw new IllegalArgumentException("BatchNorm2d: eps must be positive, got " + eps);
        }
        if (!(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException("BatchNorm2d: momentum must be in [0, 1], got " + momentum);
        }
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        registerParameter("weight", new Parameter(Tensor.ones(numFeatures)));
        registerParameter("bias", new Parameter(Tensor.zeros(numFeatures)));
        registerBuffer("running_mean", Tensor.zeros(numFeatures));
        registerBuffer("running_var", Tensor.ones(numFeatures));
        registerBuffer("num_batches_tracked", Tensor.scalar(0f));
    }

    public Parameter weight() {
        return parameter("weight");
    }

    public Parameter bias() {
        return parameter("bias");
    }

    public Tensor runningMean() {
        return buffer("running_mean");
    }

    public Tensor runningVar() {
        return buffer("running_var");
    }

    public int numFeatures() {
        return numFeatures;
    }

    public float eps() {
        return eps;
    }

    public float momentum() {
        return momentum;
    }

    /** The number of training batches seen. */
    public long numBatchesTracked() {
        return (long) buffer("num_batches_tracked").item();
    }

    /** Running statistics back to mean 0, variance 1, count 0 (PyTorch's {@code reset_running_stats}). */
    public void resetRunningStats() {
        Init.zeros(runningMean());
        Init.ones(runningVar());
        Init.zeros(buffer("num_batches_tracked"));
    }

    @Override
    public Tensor forward(Tensor input) {
        if (input.dim() != 4) {
            throw new IllegalArgumentException("BatchNorm2d: expected 4D input (got " + input.dim() + "D input of shape "
                    + Shape.format(input.shape()) + ")");
        }
        // The count changes only once the batch was accepted (a refused input leaves every buffer as it was).
        Tensor out = F.batchNorm(input, runningMean(), runningVar(), weight(), bias(), isTraining(), momentum, eps);
        if (isTraining()) {
            Tensor count = buffer("num_batches_tracked");
            try (var ignored = Tensor.noGrad()) {
                count.add_(Tensor.scalar(1f).to(count.device()));
            }
        }
        return out;
    }

    @Override
    protected String extraRepr() {
        return numFeatures + ", eps=" + pyFloat(eps) + ", momentum=" + pyFloat(momentum) + ", affine=True, track_running_stats=True";
    }

    /** Python's repr of a float for the common settings (1e-05, 0.1). */
    private static String pyFloat(float v) {
        String s = Float.toString(v);
        if (s.contains("E")) {
            String[] parts = s.split("E");
            String mantissa = parts[0].endsWith(".0") ? parts[0].substring(0, parts[0].length() - 2) : parts[0];
            int exp = Integer.parseInt(parts[1]);
            return mantissa + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
        }
        return s;
    }
}
