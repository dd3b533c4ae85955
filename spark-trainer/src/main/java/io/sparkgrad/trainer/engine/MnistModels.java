package io.sparkgrad.trainer.engine;

import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.nn.spec.NamedSpec;
import io.sparkgrad.tensor.Generator;
import java.util.List;
import java.util.Locale;

/**
 * The models the jobs and tests train on MNIST, by name: each a built-in {@link NamedSpec} on inputs of shape
 * {@code [1, 28, 28]}. Each draws its initial weights from the generator it is given (never from the process-wide
 * one, so that replicas built concurrently in one executor JVM, or on the driver next to the user's own code, neither
 * race nor disturb anyone's random stream), and takes the generator its dropout layers draw from, so that a replica
 * can reseed it per step and a retried task draws the same masks.
 */
public enum MnistModels {
    /** The tutorial's logistic regression: {@code flatten linear(10)}, that is {@code Flatten, Linear(784, 10)}. */
    LOGISTIC(NamedSpec.LOGISTIC),
    /**
     * The tutorial's CNN (stage 12): three {@code Conv2d(k3, s2, p1)} + ReLU, 28x28 -> 14 -> 7 -> 4, adaptive average
     * pool to 1x1, flatten to 10 logits. About 4,000 parameters.
     */
    TUTORIAL_CNN(NamedSpec.TUTORIAL_CNN),
    /**
     * A stronger CNN for 99 % test accuracy in 3 epochs at little compute: {@code Conv2d(1, 16, k5, s2, p2)} + ReLU
     * (28 -> 14), {@code Conv2d(16, 32, k3, s2, p1)} + ReLU (14 -> 7), flatten, {@code Linear(32*7*7, 128)}, ReLU,
     * {@code Linear(128, 10)}. 207,178 parameters, about 0.9 MFLOP per sample forward. Strided convolutions instead of
     * stride-1 convolutions and max pooling: the usual {@code Conv2d(16, 32, k3, p1)} at 14x14 costs four times as much,
     * which made an epoch about three times slower here for no better accuracy within a few epochs. Trained with Adam
     * (lr 4e-3, cosine-annealed to 0 over the run, batch 64, pixels normalised) for 3 epochs it reached 99.07 % on the
     * official test set on 2 Spark workers and 99.06-99.11 % in single-process runs from other seeds (4 epochs:
     * 99.09-99.16 %; without the annealing, 98.6-98.7 % after 3-4 epochs).
     */
    MNIST_CNN(NamedSpec.MNIST_CNN);

    private final NamedSpec named;

    MnistModels(NamedSpec named) {
        this.named = named;
    }

    /** The model's name in configuration files, e.g. {@code tutorial-cnn}. */
    public String id() {
        return named.name();
    }

    /** The model's layers. */
    public ModelSpec spec() {
        return named.spec();
    }

    /** One sample's shape: {@code [1, 28, 28]}. */
    public int[] inputShape() {
        return named.inputShapeArray();
    }

    /**
     * A freshly initialised model: initial weights drawn from {@code init} (layer by layer, in order, as PyTorch draws
     * them from its global generator), dropout masks from {@code dropout}.
     */
    public Module build(Generator init, Generator dropout) {
        return named.spec().build(init, dropout, named.inputShapeArray());
    }

    /** The model called {@code id}, or an error that lists the names there are. */
    public static MnistModels byId(String id) {
        String wanted = id.trim().toLowerCase(Locale.ROOT);
        for (MnistModels m : values()) {
            if (m.id().equals(wanted)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown model '" + id + "': expected one of " + ids());
    }

    /** All model names. */
    public static List<String> ids() {
        return java.util.Arrays.stream(values()).map(MnistModels::id).toList();
    }
}
