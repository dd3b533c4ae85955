package io.sparkgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.nn.AvgPool2d;
import io.sparkgrad.nn.BatchNorm2d;
import io.sparkgrad.nn.Conv2d;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Flatten;
import io.sparkgrad.nn.GELU;
import io.sparkgrad.nn.LeakyReLU;
import io.sparkgrad.nn.Linear;
import io.sparkgrad.nn.MaxPool2d;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Parameter;
import io.sparkgrad.nn.ReLU;
import io.sparkgrad.nn.Reduction;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.optim.Adam;
import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.optim.SGD;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tensors on a CUDA device compute what they compute on the CPU: every op dispatched to the device with its gradient,
 * the tutorial's logistic model and a small CNN trained a few steps (SGD with momentum, Adam), within float32
 * summation-order tolerance; moves copy only when the device changes; mixing devices and ops without a CUDA
 * implementation are clear errors; {@code Module.to} keeps each Parameter; device memory in use is flat over training
 * steps. Each subclass supplies the device: a GPU, or the CPU emulation of the kernel sources. Without one, each test is
 * skipped and counted as skipped. Shapes are small: the emulator runs a thread per CUDA thread.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TensorsOnCudaContract {
    private static final float REL = 1e-4f;

    /** The device under test; null where there is none. */
    Device dev;
    private CudaUnderTest cuda;

    /** The cuda:0 this contract runs on, opened before the first test and closed after the last. */
    abstract CudaUnderTest openCuda() throws Exception;

    /** Opens the device before the first test (each test is skipped without one). */
    @BeforeEach
    void needDevice() throws Exception {
        if (cuda == null) {
            cuda = openCuda();
            dev = cuda.device();
        }
        cuda.assumePresent();
    }

    @AfterAll
    void closeDevice() throws Exception {
        if (cuda != null) {
            cuda.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static void close(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        float scale = 1e-3f;
        for (float v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(e[i] - a[i]) <= REL * scale + 1e-6f)) {
                throw new AssertionError(what + ": element " + i + " is " + a[i] + " on the device, " + e[i] + " on the CPU");
            }
        }
    }

    private static Tensor randn(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape);
    }

    private static final Tensor LABELS = Tensor.ofInts(new int[] {2, 0, 1, 2}, 4);

    /** An op on inputs of the given shapes (the last an INT32 label vector when {@code labels}). */
    record Case(String name, int[][] shapes, boolean labels, Function<Tensor[], Tensor> op) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case c(String name, Function<Tensor[], Tensor> op, int[]... shapes) {
        return new Case(name, shapes, false, op);
    }

    private static Case labelled(String name, Function<Tensor[], Tensor> op, int[]... shapes) {
        return new Case(name, shapes, true, op);
    }

    private static int[] s(int... shape) {
        return shape;
    }

    static Stream<Case> ops() {
        return Stream.of(
                c("add bias row", t -> t[0].add(t[1]), s(4, 3), s(3)),
                c("sub, mul, div", t -> t[0].sub(t[1]).mul(t[0]).div(t[1].abs().add(1f)), s(4, 3), s(4, 3)),
                c("mul by a column", t -> t[0].mul(t[1]), s(4, 3), s(4, 1)),
                c("scalar affine and neg", t -> t[0].mul(2f).add(1f).neg().div(3f).sub(0.5f), s(5)),
                c("exp, log, sqrt", t -> t[0].exp().add(t[0].abs().add(0.5f).log()).add(t[0].abs().add(0.1f).sqrt()), s(6)),
                c("relu, sigmoid, tanh, abs", t -> t[0].relu().add(t[0].sigmoid()).add(t[0].tanh()).add(t[0].abs()), s(2, 5)),
                c("matmul", t -> t[0].matmul(t[1]), s(4, 3), s(3, 5)),
                c("matmul by a transpose", t -> t[0].matmul(t[1].t()), s(4, 3), s(5, 3)),
                c("linear", t -> F.linear(t[0], t[1], t[2]), s(4, 3), s(5, 3), s(5)),
                c("sum and mean, all and by dim", t -> t[0].sum(0, false).mul(t[0].mean(1, true).sum()).add(t[0].mean()), s(3, 4)),
                c("view, reshape, flatten, transpose", t -> t[0].view(6, 2).t().contiguous().reshape(3, 4).flatten().mul(
                        t[0].flatten()), s(2, 3, 2)),
                c("softmax, log_softmax", t -> F.softmax(t[0], 1).add(F.logSoftmax(t[0], 1)), s(3, 5)),
                labelled("cross_entropy", t -> F.crossEntropy(t[0], t[1]), s(4, 3)),
                labelled("nll_loss sum and none", t -> F.nllLoss(F.logSoftmax(t[0], 1), t[1], Reduction.SUM)
                        .add(F.nllLoss(t[0], t[1], Reduction.NONE).mul(t[0].sum(1, false)).sum()), s(4, 3)),
                c("mse_loss", t -> F.mseLoss(t[0], t[1]), s(3, 2), s(3, 2)),
                c("conv2d padded, with bias", t -> F.conv2d(t[0], t[1], t[2], 1, 1), s(2, 2, 5, 5), s(3, 2, 3, 3), s(3)),
                c("conv2d strided, no bias", t -> F.conv2d(t[0], t[1], null, 2, 0), s(1, 2, 7, 7), s(2, 2, 3, 3)),
                c("max_pool2d", t -> F.maxPool2d(t[0], 2), s(2, 2, 4, 6)),
                c("max_pool2d padded, strided", t -> F.maxPool2d(t[0], 3, 2, 1, 1), s(1, 2, 5, 5)),
                c("avg_pool2d", t -> F.avgPool2d(t[0], 2), s(2, 1, 4, 4)),
                c("adaptive_avg_pool2d to a dividing size", t -> F.adaptiveAvgPool2d(t[0], 1, 2), s(2, 2, 3, 4)),
                // Ops that had no CUDA implementation before activation.cu, index.cu and adaptive_pool.cu.
                c("gelu and leaky_relu, functions and modules", t -> F.gelu(t[0]).add(F.leakyRelu(t[0], 0.2f)).add(
                        new GELU().forward(t[0].mul(2f))).add(new LeakyReLU().forward(t[0].sub(0.3f))), s(3, 7)),
                c("pow by a scalar", t -> t[0].pow(3f).add(t[0].pow(2f)).add(t[0].abs().add(0.5f).pow(-1.5f)), s(2, 5)),
                c("max by dim, kept and dropped", t -> t[0].max(1, true).mul(t[0].max(0, false)), s(3, 4)),
                c("max over the middle of 3 dims", t -> t[0].max(1, false), s(2, 5, 3)),
                c("gather along dim 1 and dim 0", t -> t[0].gather(1, ints(t[0], new int[] {3, 0, 3, 1, 2, 2}, 3, 2)).sum(1, false).add(
                        t[0].gather(0, ints(t[0], new int[] {2, 0, 1, 2, 1, 1, 0, 0}, 2, 4)).sum(0, false).narrow(0, 0, 3)), s(3, 4)),
                c("index_select with a repeated row", t -> t[0].indexSelect(new int[] {2, 0, 2, 1}), s(3, 2, 2)),
                c("cat along each dim, stack", t -> Tensor.cat(List.of(t[0], t[1]), 1).sum(1, true).add(
                        Tensor.cat(List.of(t[0].t(), t[1].t(), t[0].t()), 0).sum(0, false).narrow(0, 0, 1)).add(
                        Tensor.stack(List.of(t[0], t[0].mul(t[0])), 0).sum(0, false).sum(1, true)), s(2, 3), s(2, 2)),
                c("batched matmul", t -> t[0].matmul(t[1]), s(2, 3, 4), s(2, 4, 5)),
                c("batched matmul by a shared matrix and a transpose", t -> t[0].matmul(t[1]).add(t[0].matmul(t[2].transpose(1, 2))),
                        s(3, 2, 4), s(4, 5), s(3, 5, 4)),
                c("adaptive_avg_pool2d to a size that does not divide the input", t -> F.adaptiveAvgPool2d(t[0], 3, 2),
                        s(2, 2, 7, 5)));
    }

    /** An INT32 index on {@code like}'s device. */
    private static Tensor ints(Tensor like, int[] values, int... shape) {
        return Tensor.ofInts(values, shape).to(like.device());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void eachOpAndItsGradientMatchTheCpu(Case k) {
        int n = k.shapes().length;
        Tensor[] host = new Tensor[n + (k.labels() ? 1 : 0)];
        Tensor[] onDevice = new Tensor[host.length];
        for (int i = 0; i < n; i++) {
            host[i] = randn(10 + i, k.shapes()[i]).requiresGrad(true);
            onDevice[i] = randn(10 + i, k.shapes()[i]).to(dev).requiresGrad(true);
            assertEquals(dev, onDevice[i].device());
        }
        if (k.labels()) {
            host[n] = LABELS;
            onDevice[n] = LABELS.to(dev);
        }
        Tensor expected = k.op().apply(host);
        Tensor actual = k.op().apply(onDevice);
        assertEquals(dev, actual.device(), k.name() + ": the result stays on the device");
        close(k.name(), expected, actual.cpu());
        // A weighted sum, so that every output element's gradient differs.
        Tensor weights = randn(99, expected.shape());
        expected.mul(weights).sum().backward();
        actual.mul(weights.to(dev)).sum().backward();
        for (int i = 0; i < n; i++) {
            assertEquals(dev, onDevice[i].grad().device(), k.name() + ": gradient " + i + " on the device");
            close(k.name() + ": gradient of input " + i, host[i].grad(), onDevice[i].grad().cpu());
        }
    }

    /** {@code F.batchNorm} on {@code [4, 3, 3, 3]}: output, running statistics and every gradient, in both modes. */
    @ParameterizedTest(name = "training {0}, affine {1}")
    @org.junit.jupiter.params.provider.CsvSource({"true, true", "false, true", "true, false"})
    void batchNormAndItsGradientsAndRunningStatisticsMatchTheCpu(boolean training, boolean affine) {
        Tensor[] host = batchNormInputs(Device.CPU, affine);
        Tensor[] onDevice = batchNormInputs(dev, affine);
        Tensor expected = F.batchNorm(host[0], host[1], host[2], host[3], host[4], training, 0.3f, 1e-5f);
        Tensor actual = F.batchNorm(onDevice[0], onDevice[1], onDevice[2], onDevice[3], onDevice[4], training, 0.3f, 1e-5f);
        String mode = training ? "training" : "evaluation";
        assertEquals(dev, actual.device());
        close(mode + " output", expected, actual.cpu());
        close(mode + " running_mean", host[1], onDevice[1].cpu());
        close(mode + " running_var", host[2], onDevice[2].cpu());
        assertEquals(dev, onDevice[1].device(), "the running statistics stay on the device");
        Tensor weights = randn(98, expected.shape());
        expected.mul(weights).sum().backward();
        actual.mul(weights.to(dev)).sum().backward();
        String[] names = {"input", null, null, "weight", "bias"};
        for (int i : affine ? new int[] {0, 3, 4} : new int[] {0}) {
            assertEquals(dev, onDevice[i].grad().device());
            close(mode + " gradient of " + names[i], host[i].grad(), onDevice[i].grad().cpu());
        }
    }

    /** Input, running mean, running var, weight and bias (null without affine) on {@code device}. */
    private static Tensor[] batchNormInputs(Device device, boolean affine) {
        Tensor x = randn(31, 4, 3, 3, 3).mul(2f).add(0.5f).to(device).requiresGrad(true);
        Tensor mean = randn(32, 3).to(device);
        Tensor var = Tensor.rand(new Generator(33), 3).add(0.5f).to(device);
        Tensor w = affine ? randn(34, 3).to(device).requiresGrad(true) : null;
        Tensor b = affine ? randn(35, 3).to(device).requiresGrad(true) : null;
        return new Tensor[] {x, mean, var, w, b};
    }

    private static Module batchNormCnn(long seed) {
        Generator.manualSeed(seed);
        return new Sequential(new Conv2d(1, 4, 3, 1, 1), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(64, 10));
    }

    /** The CNN with batch norm: 3 SGD steps (losses, parameters), then the running statistics and an evaluation. */
    private static List<Float> trainBatchNorm(Device device) {
        Module model = batchNormCnn(24);
        List<Float> trace = train(model, device, false, 3, null);
        for (Tensor buffer : model.namedBuffers().values()) {
            assertEquals(device, buffer.device(), "buffers stay on the model's device");
            for (float v : buffer.cpu().toFloatArray()) {
                trace.add(v);
            }
        }
        model.eval();
        for (float v : model.forward(randn(8, 2, 1, 8, 8).to(device)).cpu().toFloatArray()) {
            trace.add(v);
        }
        return trace;
    }

    @Test
    void aCnnWithBatchNormTrainsAndEvaluatesAsOnTheCpu() {
        List<Float> cpu = trainBatchNorm(Device.CPU);
        List<Float> gpu = trainBatchNorm(dev);
        assertEquals(3f, cpu.get(cpu.size() - 20 - 1), "num_batches_tracked counts the 3 training steps");
        assertClose("cnn with batch norm: losses, parameters, running statistics, evaluation", cpu, gpu);
    }

    @Test
    void dropoutKeepsOrZeroesEachElementAndItsGradientUsesTheSameMask() {
        Tensor x = Tensor.rand(new Generator(3), 200).add(1f).to(dev).requiresGrad(true);
        Tensor y = F.dropout(x, 0.5f, true, new Generator(4));
        y.sum().backward();
        float[] xs = x.cpu().toFloatArray();
        float[] ys = y.cpu().toFloatArray();
        float[] mask = x.grad().cpu().toFloatArray();
        int dropped = 0;
        for (int i = 0; i < xs.length; i++) {
            assertTrue(mask[i] == 0f || mask[i] == 2f, "mask " + mask[i]);
            assertEquals(xs[i] * mask[i], ys[i], 1e-6f);
            dropped += mask[i] == 0f ? 1 : 0;
        }
        assertTrue(dropped > 60 && dropped < 140, dropped + " of 200 dropped at p = 0.5");
        assertSame(x, F.dropout(x, 0.5f, false, new Generator(4)), "evaluation: the identity");
    }

    @Test
    void tensorsMoveOnlyWhenTheDeviceChangesAndReadBackOnTheHost() {
        Tensor x = randn(1, 2, 3);
        Tensor d = x.to(dev);
        assertNotSame(x, d);
        assertSame(d, d.to(dev));
        assertSame(x, x.cpu());
        assertArrayEquals(x.toFloatArray(), d.cpu().toFloatArray());
        assertEquals(x.sum().item(), d.sum().item(), 1e-5f, "item() copies one value to the host, as PyTorch's");
        Tensor labels = Tensor.ofInts(new int[] {3, -1, 7}, 3).to(dev);
        assertEquals(DType.INT32, labels.dtype());
        assertArrayEquals(new int[] {3, -1, 7}, labels.cpu().toIntArray());
        var e = assertThrows(IllegalStateException.class, d::toFloatArray);
        assertTrue(e.getMessage().contains(dev.toString()) && e.getMessage().contains("cpu()"), e.getMessage());
        assertTrue(d.toString().contains("device='" + dev + "'") && d.toString().contains(Float.toString(x.toFloatArray()[0])),
                d.toString());
        // to() is differentiable: the gradient comes back to the host tensor.
        Tensor h = randn(2, 4).requiresGrad(true);
        h.to(dev).mul(3f).sum().backward();
        assertArrayEquals(new float[] {3f, 3f, 3f, 3f}, h.grad().toFloatArray());
        // copy_ is the explicit copy between devices.
        Tensor target = Tensor.zeros(2, 3).to(dev);
        target.copy_(x);
        assertArrayEquals(x.toFloatArray(), target.cpu().toFloatArray());
        Tensor back = Tensor.zeros(2, 3);
        back.copy_(d.mul(2f));
        assertArrayEquals(x.mul(2f).toFloatArray(), back.toFloatArray());
        assertEquals(0.5f, F.accuracy(Tensor.of(new float[] {1, 0, 0, 1, 1, 0, 0, 1}, 4, 2).to(dev),
                Tensor.ofInts(new int[] {0, 1, 1, 0}, 4).to(dev)), 1e-6f, "argmax, eq, mean, item on the device");
    }

    @Test
    void mixingDevicesInOneOpNamesBoth() {
        Tensor d = randn(1, 1, 3).to(dev);
        Tensor h = randn(2, 2, 3);
        String both = "Expected all tensors to be on the same device, but found at least two devices, " + dev + " and cpu!";
        for (var op : List.<Runnable>of(() -> d.add(h), () -> h.mul(d), () -> d.matmul(h.t()), () -> F.linear(h, d, null),
                () -> F.crossEntropy(d, Tensor.ofInts(new int[] {0}, 1)))) {
            var e = assertThrows(IllegalArgumentException.class, op::run);
            assertTrue(e.getMessage().startsWith(both), e.getMessage());
        }
    }

    @Test
    void anOpWithoutACudaImplementationNamesItselfAndTheDevice() {
        Tensor d = randn(1, 1, 2, 4, 4).to(dev);
        Tensor w = randn(2, 2, 1, 3, 3).to(dev);
        for (var named : List.<Object[]>of(
                new Object[] {"conv2d with groups or dilation", (Runnable) () -> F.conv2d(d.view(1, 2, 4, 4), w, null, 1, 0, 1, 2)},
                new Object[] {"max_pool2d with dilation", (Runnable) () -> F.maxPool2d(d.view(1, 2, 4, 4), 2, 1, 0, 2)},
                new Object[] {"argmax over dimension 0", (Runnable) () -> d.view(2, 16).argmax(0)})) {
            var e = assertThrows(UnsupportedOperationException.class, ((Runnable) named[1])::run, (String) named[0]);
            assertTrue(e.getMessage().startsWith((String) named[0]) && e.getMessage().contains(dev.toString()), e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------------ training

    /** The tutorial's logistic regression, by hand: {@code log_softmax(x @ w + b)}, nll, {@code w -= lr * w.grad}. */
    private static List<Float> logisticByHand(Device device, int steps) {
        Tensor w = randn(5, 12, 4).div((float) Math.sqrt(12)).to(device).requiresGrad(true);
        Tensor b = Tensor.zeros(4).to(device).requiresGrad(true);
        Tensor x = randn(6, 8, 12).to(device);
        Tensor y = Tensor.ofInts(new int[] {0, 1, 2, 3, 3, 2, 1, 0}, 8).to(device);
        List<Float> trace = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            Tensor loss = F.nllLoss(F.logSoftmax(x.matmul(w).add(b), 1), y);
            loss.backward();
            try (var ignored = Tensor.noGrad()) {
                w.sub_(w.grad().mul(0.5f));
                b.sub_(b.grad().mul(0.5f));
                w.grad().zero_();
                b.grad().zero_();
            }
            trace.add(loss.item());
        }
        trace.add(F.accuracy(x.matmul(w).add(b), y));
        for (float v : w.cpu().toFloatArray()) {
            trace.add(v);
        }
        return trace;
    }

    @Test
    void theTutorialsLogisticModelTrainsAsOnTheCpu() {
        assertClose("logistic by hand", logisticByHand(Device.CPU, 4), logisticByHand(dev, 4));
    }

    private static Module cnn(long seed) {
        Generator.manualSeed(seed);
        return new Sequential(new Conv2d(1, 4, 3, 1, 1), new ReLU(), new MaxPool2d(2), new Conv2d(4, 6, 3, 1, 1), new ReLU(),
                new AvgPool2d(2), new Flatten(), new Linear(24, 10));
    }

    /** A few steps of the CNN (SGD with momentum or Adam): the losses, then the parameters. */
    private static List<Float> train(Module model, Device device, boolean adam, int steps, long[][] memory) {
        model.to(device);
        Optimizer opt = adam ? new Adam(model.parameters(), 0.01) : SGD.momentum(model.parameters(), 0.05, 0.9);
        Tensor x = randn(7, 4, 1, 8, 8);
        Tensor y = Tensor.ofInts(new int[] {1, 7, 3, 1}, 4);
        List<Float> trace = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            Tensor xb = x.to(device);
            Tensor yb = y.to(device);
            opt.zeroGrad();
            Tensor loss = F.crossEntropy(model.forward(xb), yb);
            loss.backward();
            opt.step();
            trace.add(loss.item());
            if (memory != null) {
                CudaBackend backend = CudaBackends.of(device);
                var stats = backend.context().allocator().stats();
                memory[2][i] = backend.liveBlocks();
                memory[3][i] = stats.rawAllocations() + stats.cacheHits();
                memory[0][i] = collectedInUse(device);
                memory[1][i] = backend.context().allocator().stats().rawAllocations();
                memory[4][i] = backend.liveBlocks();
            }
        }
        for (Parameter p : model.parameters()) {
            assertEquals(device, p.device());
            for (float v : p.cpu().toFloatArray()) {
                trace.add(v);
            }
        }
        return trace;
    }

    private static void assertClose(String what, List<Float> expected, List<Float> actual) {
        float[] e = new float[expected.size()];
        float[] a = new float[actual.size()];
        for (int i = 0; i < e.length; i++) {
            e[i] = expected.get(i);
            a[i] = actual.get(i);
        }
        close(what, Tensor.of(e, e.length), Tensor.of(a, a.length));
    }

    @Test
    void aSmallCnnTrainsAsOnTheCpuWithSgdAndWithAdam() {
        assertClose("cnn, sgd momentum", train(cnn(21), Device.CPU, false, 3, null), train(cnn(21), dev, false, 3, null));
        assertClose("cnn, adam", train(cnn(22), Device.CPU, true, 3, null), train(cnn(22), dev, true, 3, null));
    }

    /** A few Adam steps of a small MLP on {@code device}: the losses, then the parameters. */
    private static List<Float> adamSteps(Device device, boolean amsgrad) {
        Generator.manualSeed(23);
        Module model = new Sequential(new Linear(6, 5), new LeakyReLU(0.1f), new Linear(5, 3)).to(device);
        // beta2 = 0.5: exp_avg_sq follows the shrinking gradients down, so amsgrad's running maximum changes the steps.
        Optimizer opt = Adam.builder(model.parameters()).lr(0.05).betas(0.9, 0.5).weightDecay(0.01).amsgrad(amsgrad).build();
        Tensor x = randn(24, 8, 6);
        Tensor y = Tensor.ofInts(new int[] {0, 1, 2, 0, 1, 2, 2, 1}, 8);
        List<Float> trace = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            opt.zeroGrad();
            Tensor loss = F.crossEntropy(model.forward(x.to(device)), y.to(device));
            loss.backward();
            opt.step();
            trace.add(loss.item());
        }
        for (Parameter p : model.parameters()) {
            assertEquals(device, p.device());
            for (float v : p.cpu().toFloatArray()) {
                trace.add(v);
            }
        }
        return trace;
    }

    @Test
    void adamWithAmsgradStepsDeviceParametersAsOnTheCpu() {
        List<Float> cpu = adamSteps(Device.CPU, true);
        assertTrue(!cpu.equals(adamSteps(Device.CPU, false)), "amsgrad changes these steps, so the test can tell");
        assertClose("mlp, adam with amsgrad", cpu, adamSteps(dev, true));
    }

    @Test
    void moduleToKeepsEachParameterSoAnOptimizerMadeBeforeFollows() {
        Generator.manualSeed(5);
        Linear cpu = new Linear(3, 2);
        Generator.manualSeed(5);
        Linear moved = new Linear(3, 2);
        List<Parameter> before = moved.parameters();
        SGD opt = new SGD(before, 0.1);
        SGD cpuOpt = new SGD(cpu.parameters(), 0.1);
        assertSame(moved, moved.to(dev));
        for (int i = 0; i < before.size(); i++) {
            assertSame(before.get(i), moved.parameters().get(i), "the same Parameter object");
            assertEquals(dev, before.get(i).device());
            assertTrue(before.get(i).isLeaf() && before.get(i).requiresGrad());
        }
        Tensor x = randn(8, 5, 3);
        F.mseLoss(moved.forward(x.to(dev)), Tensor.ones(5, 2).to(dev)).backward();
        F.mseLoss(cpu.forward(x), Tensor.ones(5, 2)).backward();
        opt.step();
        cpuOpt.step();
        moved.to(Device.CPU);
        assertSame(before.get(0), moved.weight());
        assertEquals(Device.CPU, moved.weight().device());
        assertEquals(Device.CPU, moved.weight().grad().device(), "the gradient moves with its parameter");
        close("weight after a step", cpu.weight(), moved.weight());
        close("bias after a step", cpu.parameters().get(1), moved.parameters().get(1));
        // Buffers move too (replaced, as PyTorch's), with their values.
        BatchNorm2d bn = new BatchNorm2d(3);
        bn.to(dev);
        assertEquals(3, bn.namedBuffers().size());
        for (Tensor buffer : bn.namedBuffers().values()) {
            assertEquals(dev, buffer.device());
        }
        assertArrayEquals(new float[] {1f, 1f, 1f}, bn.namedBuffers().get("running_var").cpu().toFloatArray());
    }

    // ------------------------------------------------------------------------------------------------ memory

    /** Device bytes in use once the collector has found every unreachable tensor and its block went back. */
    private static long collectedInUse(Device device) {
        if (device.kind() == Device.Kind.CPU) {
            return 0;
        }
        CudaBackend backend = CudaBackends.of(device);
        // A sentinel that becomes unreachable last: when its block is back, the collection before it was processed.
        long live = backend.liveBlocks();
        Tensor sentinel = Tensor.zeros(1).to(device);
        assertEquals(live + 1, backend.liveBlocks());
        sentinel = null;
        for (int i = 0; i < 200 && backend.liveBlocks() > live; i++) {
            System.gc();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            backend.reclaim();
        }
        return backend.bytesInUse();
    }

    /**
     * Per step: bytes in use and driver allocations once the collector ran, are those of step 2. And without the
     * collector, a warm step leaves few of its many blocks behind: its gradients, the chain's intermediates and the ops'
     * temporaries went back at once; what remains is what the loop holds (the batch, the output, the loss) or what only
     * the collector can tell is unused.
     */
    @Test
    void deviceMemoryInUseIsFlatOverTrainingSteps() {
        int steps = 6;
        long[][] memory = new long[5][steps];
        train(cnn(23), dev, true, steps, memory);
        for (int i = 2; i < steps; i++) {
            assertEquals(memory[0][1], memory[0][i], "bytes in use after step " + (i + 1) + " against step 2");
            assertEquals(memory[1][1], memory[1][i], "driver allocations after step " + (i + 1) + " against step 2");
            long allocated = memory[3][i] - memory[3][i - 1];
            long leftBehind = memory[2][i] - memory[4][i - 1];
            assertTrue(allocated >= 30 && leftBehind <= 6, "step " + (i + 1) + " allocated " + allocated + " blocks and left "
                    + leftBehind + " live for the collector");
        }
        assertTrue(memory[0][1] > 0, "the parameters, their gradients and Adam's state are on the device");
    }
}
