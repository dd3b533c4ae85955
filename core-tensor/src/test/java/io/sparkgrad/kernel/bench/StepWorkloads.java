package io.sparkgrad.kernel.bench;

import io.sparkgrad.kernel.Conv2dGeometry;
import io.sparkgrad.kernel.Conv2dKernel;
import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.nn.AdaptiveAvgPool2d;
import io.sparkgrad.nn.Conv2d;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Flatten;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.ReLU;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The tutorial CNN's work at one batch size as named runnables (each conv layer's forward with ReLU and backward
 * after ReLU, one whole autograd training step with SGD momentum, one eval forward), for {@link AbBench}, which
 * loads this class once per build under comparison.
 */
public final class StepWorkloads {

    private StepWorkloads() {
    }

    /** The workloads, in a fixed order, with {@code threads} intra-op threads set in this class loader. */
    public static Map<String, Runnable> of(int batch, int threads) {
        Parallelism.setNumThreads(threads);
        Map<String, Runnable> m = new LinkedHashMap<>();
        SplittableRandom rnd = new SplittableRandom(5);
        Conv2dGeometry[] g = tutorialConvs(batch);
        for (int l = 0; l < 3; l++) {
            ConvBuffers c = ConvBuffers.random(g[l], rnd);
            boolean first = l == 0;
            Conv2dKernel.forward(c.geo(), c.x(), 0, c.w(), 0, c.b(), 0, c.y(), 0, true);
            m.put("conv" + (l + 1) + " fwd+relu",
                    () -> Conv2dKernel.forward(c.geo(), c.x(), 0, c.w(), 0, c.b(), 0, c.y(), 0, true));
            m.put("conv" + (l + 1) + " bwd after relu", () -> Conv2dKernel.backwardAfterRelu(c.geo(), c.x(), 0, c.w(), 0,
                    c.y(), 0, c.gy(), 0, first ? null : c.gx(), 0, c.gw(), 0, c.gb(), 0, false));
        }
        TrainStep step = TrainStep.tutorial(batch);
        m.put("train step", step::train);
        m.put("eval forward", step::eval);
        return m;
    }

    /** The tutorial CNN's three convolutions at {@code batch}: 1x28x28 to 16x14x14 to 16x7x7 to 10x4x4, 3x3, stride 2. */
    static Conv2dGeometry[] tutorialConvs(int batch) {
        return new Conv2dGeometry[] {
            Conv2dGeometry.of(batch, 1, 28, 28, 16, 3, 2, 1, 1, 1),
            Conv2dGeometry.of(batch, 16, 14, 14, 16, 3, 2, 1, 1, 1),
            Conv2dGeometry.of(batch, 16, 7, 7, 10, 3, 2, 1, 1, 1)};
    }

    /** One convolution's operands: input, weight, bias and upstream gradient random in [-1, 1), the rest zero. */
    record ConvBuffers(Conv2dGeometry geo, float[] x, float[] w, float[] b, float[] y, float[] gy, float[] gx, float[] gw,
                       float[] gb) {
        static ConvBuffers random(Conv2dGeometry geo, SplittableRandom rnd) {
            return new ConvBuffers(geo, StepWorkloads.random(rnd, geo.inputSize()), StepWorkloads.random(rnd, geo.weightSize()),
                    StepWorkloads.random(rnd, geo.o()), new float[geo.outputSize()], StepWorkloads.random(rnd, geo.outputSize()),
                    new float[geo.inputSize()], new float[geo.weightSize()], new float[geo.o()]);
        }
    }

    /** The tutorial CNN with SGD momentum and one fixed batch of random images and labels {@code i % 10}. */
    record TrainStep(Module model, Optimizer opt, Tensor images, Tensor target) {
        static TrainStep tutorial(int batch) {
            Generator.manualSeed(1);
            Module model = new Sequential(
                    new Conv2d(1, 16, 3, 2, 1), new ReLU(),
                    new Conv2d(16, 16, 3, 2, 1), new ReLU(),
                    new Conv2d(16, 10, 3, 2, 1), new ReLU(),
                    new AdaptiveAvgPool2d(1), new Flatten());
            Optimizer opt = SGD.momentum(model.parameters(), 0.1f, 0.9f);
            Tensor images = Tensor.rand(new Generator(3), batch, 1, 28, 28);
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = i % 10;
            }
            return new TrainStep(model, opt, images, Tensor.ofInts(labels, batch));
        }

        /** The batch's loss. */
        Tensor loss() {
            return F.crossEntropy(model.forward(images), target);
        }

        /** Forward, loss, backward, SGD step, zeroed gradients. */
        void train() {
            loss().backward();
            opt.step();
            opt.zeroGrad();
        }

        /** A forward without autograd and the predicted classes. */
        void eval() {
            try (var noGrad = Tensor.noGrad()) {
                model.forward(images).argmax(1);
            }
        }
    }

    static float[] random(SplittableRandom rnd, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }
}
