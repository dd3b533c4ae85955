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
        Conv2dGeometry[] g = {
            Conv2dGeometry.of(batch, 1, 28, 28, 16, 3, 2, 1, 1, 1),
            Conv2dGeometry.of(batch, 16, 14, 14, 16, 3, 2, 1, 1, 1),
            Conv2dGeometry.of(batch, 16, 7, 7, 10, 3, 2, 1, 1, 1)};
        for (int l = 0; l < 3; l++) {
            Conv2dGeometry geo = g[l];
            boolean first = l == 0;
            float[] x = random(rnd, geo.inputSize());
            float[] w = random(rnd, geo.weightSize());
            float[] b = random(rnd, geo.o());
            float[] y = new float[geo.outputSize()];
            float[] gy = random(rnd, geo.outputSize());
            float[] gx = new float[geo.inputSize()];
            float[] gw = new float[geo.weightSize()];
            float[] gb = new float[geo.o()];
            Conv2dKernel.forward(geo, x, 0, w, 0, b, 0, y, 0, true);
            m.put("conv" + (l + 1) + " fwd+relu", () -> Conv2dKernel.forward(geo, x, 0, w, 0, b, 0, y, 0, true));
            m.put("conv" + (l + 1) + " bwd after relu", () -> Conv2dKernel.backwardAfterRelu(geo, x, 0, w, 0, y, 0,
                    gy, 0, first ? null : gx, 0, gw, 0, gb, 0, false));
        }
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
        Tensor target = Tensor.ofInts(labels, batch);
        m.put("train step", () -> {
            Tensor loss = F.crossEntropy(model.forward(images), target);
            loss.backward();
            opt.step();
            opt.zeroGrad();
        });
        m.put("eval forward", () -> {
            try (var noGrad = Tensor.noGrad()) {
                model.forward(images).argmax(1);
            }
        });
        return m;
    }

    private static float[] random(SplittableRandom rnd, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }
}
