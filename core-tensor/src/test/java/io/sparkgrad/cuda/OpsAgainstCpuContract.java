package io.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparkgrad.cuda.CudaOps.Window;
import io.sparkgrad.kernel.AdamKernel;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Reduction;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The GPU ops give the CPU backend's results (which the golden cases pin to PyTorch's): forward and gradients, on random
 * inputs, within float32 summation-order tolerance; the optimizer steps bit for bit. Each subclass supplies a device:
 * a real GPU ({@link GpuOpsAgainstCpuTest}) or the CPU emulation of the same kernel sources
 * ({@link EmulatedOpsAgainstCpuTest}). Where a subclass has no device, each test is skipped and counted as skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OpsAgainstCpuContract {
    /** The ops on the subclass' device, and its copies; null where it has none. */
    CudaOps ops;
    DeviceCopies copies;
    private final Generator gen = new Generator(7);

    abstract String noDeviceReason();

    /** Per test, so that each one is reported as skipped where there is no device. */
    @BeforeEach
    void needDevice() {
        assumeTrue(ops != null, this::noDeviceReason);
    }

    private DeviceArray up(Tensor t) {
        DeviceArray d = ops.empty(t.shape());
        copies.copyIn(t.toFloatArray(), d.address());
        return d;
    }

    private DeviceArray upInts(int[] values) {
        DeviceArray d = ops.empty(values.length);
        copies.copyIn(values, d.address());
        return d;
    }

    final float[] down(DeviceArray d) {
        float[] host = new float[d.numel()];
        copies.copyOut(d.address(), host);
        return host;
    }

    private Tensor randn(int... shape) {
        return Tensor.randn(gen, shape);
    }

    /** Equal within {@code rel} of the reference's largest magnitude (sums in another order round differently). */
    private void close(String what, Tensor expected, DeviceArray actual, float rel) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        float[] e = expected.toFloatArray();
        float[] a = down(actual);
        float scale = 1e-6f;
        for (float v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            assertTrue(Math.abs(e[i] - a[i]) <= rel * scale, what + "[" + i + "]: cpu " + e[i] + ", gpu " + a[i]);
        }
    }

    @Test
    void sgemmMatchesTheCpuForOddSizesAndEveryTransposition() {
        Tensor a = randn(67, 45);
        Tensor b = randn(45, 131);
        Tensor want = a.matmul(b);
        close("A B", want, ops.matmul(up(a), false, up(b), false), 1e-5f);
        close("(A^T)^T B", want, ops.matmul(up(a.t().contiguous()), true, up(b), false), 1e-5f);
        close("A (B^T)^T", want, ops.matmul(up(a), false, up(b.t().contiguous()), true), 1e-5f);
        close("both", want, ops.matmul(up(a.t().contiguous()), true, up(b.t().contiguous()), true), 1e-5f);
    }

    /** Runs the backward pass of {@code y} with a random output gradient, which it returns. */
    private Tensor backward(Tensor y) {
        Tensor gy = randn(y.shape());
        y.mul(gy).sum().backward();
        return gy;
    }

    private void sameGrads(String op, Tensor x, Tensor w, Tensor b, DeviceArray gx, DeviceArray gw, DeviceArray gb) {
        close(op + " gx", x.grad(), gx, 1e-5f);
        close(op + " gw", w.grad(), gw, 1e-5f);
        close(op + " gb", b.grad(), gb, 1e-5f);
    }

    @Test
    void linearForwardAndGradients() {
        Tensor x = randn(32, 300).requiresGrad(true);
        Tensor w = randn(10, 300).requiresGrad(true);
        Tensor b = randn(10).requiresGrad(true);
        Tensor y = F.linear(x, w, b);
        Tensor gy = backward(y);
        DeviceArray dx = up(x);
        DeviceArray dw = up(w);
        close("linear", y, ops.linear(dx, dw, up(b)), 1e-5f);
        var g = ops.linearBackward(dx, dw, up(gy), true);
        sameGrads("linear", x, w, b, g.gx(), g.gw(), g.gb());
    }

    @Test
    void conv2dForwardAndGradients() {
        Tensor x = randn(8, 3, 14, 14).requiresGrad(true);
        Tensor w = randn(16, 3, 3, 3).requiresGrad(true);
        Tensor b = randn(16).requiresGrad(true);
        Tensor y = F.conv2d(x, w, b, 2, 1);
        Tensor gy = backward(y);
        Window win = Window.square(3, 2, 1);
        DeviceArray dx = up(x);
        DeviceArray dw = up(w);
        close("conv2d", y, ops.conv2d(dx, dw, up(b), win), 1e-5f);
        var g = ops.conv2dBackward(dx, dw, up(gy), win, true);
        sameGrads("conv2d", x, w, b, g.gx(), g.gw(), g.gb());
    }

    @Test
    void poolingForwardAndGradients() {
        Tensor x = randn(4, 5, 9, 9).requiresGrad(true);
        Tensor y = F.maxPool2d(x, 3, 2, 1, 1);
        Tensor gy = backward(y);
        Window win = Window.square(3, 2, 1);
        var max = ops.maxPool2d(up(x), win);
        close("max_pool2d", y, max.y(), 0f);
        close("max_pool2d gx", x.grad(), ops.maxPool2dBackward(up(gy), max.indices(), x.shape(), win), 1e-6f);

        Tensor x2 = randn(4, 5, 8, 8).requiresGrad(true);
        Tensor y2 = F.avgPool2d(x2, 2, 2, 0);
        Tensor gy2 = backward(y2);
        close("avg_pool2d", y2, ops.avgPool2d(up(x2), Window.square(2, 2, 0)), 1e-6f);
        close("avg_pool2d gx", x2.grad(), ops.avgPool2dBackward(up(gy2), x2.shape(), Window.square(2, 2, 0)), 1e-6f);
    }

    @Test
    void softmaxLogSoftmaxCrossEntropyAndAccuracy() {
        Tensor logits = randn(128, 10).mul(3f).requiresGrad(true);
        int[] labels = new int[128];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (i * 7) % 10;
        }
        Tensor target = Tensor.ofInts(labels, 128);
        Tensor loss = F.crossEntropy(logits, target, Reduction.SUM);
        loss.backward();
        DeviceArray dl = up(logits);
        DeviceArray dt = upInts(labels);
        var ce = ops.crossEntropy(dl, dt);
        close("log_softmax", F.logSoftmax(logits, 1), ce.logp(), 1e-6f);
        close("softmax", F.softmax(logits, 1), ops.softmax(dl, false), 1e-6f);
        close("cross_entropy sum", Tensor.of(new float[] {loss.item()}, 1), ce.lossSum(), 1e-5f);
        DeviceArray one = ops.empty(1);
        ops.fill(one, 1f);
        close("cross_entropy grad", logits.grad(), ops.crossEntropyBackward(ce.logp(), dt, one), 1e-5f);
        assertEquals(logits.argmax(1).eq(target).sum().item(), down(ops.correct(dl, dt))[0]);
    }

    @Test
    void unaryOpsAndTheirGradients() {
        Tensor x = randn(1000).abs().add(Tensor.scalar(0.1f)).requiresGrad(true);  // positive: log and sqrt are defined
        DeviceArray dx = up(x);
        for (CudaOps.Unary op : CudaOps.Unary.values()) {
            x.setGrad(null);
            Tensor y = switch (op) {
                case NEG -> x.neg();
                case EXP -> x.exp();
                case LOG -> x.log();
                case TANH -> x.tanh();
                case SIGMOID -> x.sigmoid();
                case RELU -> x.sub(Tensor.scalar(1f)).relu();
                case SQRT -> x.sqrt();
                case ABS -> x.sub(Tensor.scalar(1f)).abs();
            };
            Tensor gy = backward(y);
            // relu and abs are checked on x - 1, so that both signs occur
            DeviceArray in = op == CudaOps.Unary.RELU || op == CudaOps.Unary.ABS ? ops.affine(dx, 1f, -1f) : dx;
            DeviceArray dy = ops.unary(op, in);
            close(op.name(), y, dy, 2e-6f);
            close(op + " gx", x.grad(), ops.unaryBackward(op, in, dy, up(gy)), 2e-6f);
        }
    }

    @Test
    void binaryOpsAxpyAndSgd() {
        Tensor a = randn(777);
        Tensor b = randn(777).abs().add(Tensor.scalar(0.5f));
        DeviceArray da = up(a);
        DeviceArray db = up(b);
        close("add", a.add(b), ops.binary(CudaOps.Binary.ADD, da, db), 0f);
        close("sub", a.sub(b), ops.binary(CudaOps.Binary.SUB, da, db), 0f);
        close("mul", a.mul(b), ops.binary(CudaOps.Binary.MUL, da, db), 0f);
        close("div", a.div(b), ops.binary(CudaOps.Binary.DIV, da, db), 0f);
        DeviceArray acc = up(b);
        ops.axpy(-0.5f, da, acc);
        close("axpy", b.add(a.mul(-0.5f)), acc, 1e-6f);

        Tensor p = randn(777).requiresGrad(true);
        var sgd = new io.sparkgrad.optim.SGD(java.util.List.of(p), 0.1, 0.9, 0, 0.01, true);
        DeviceArray dp = up(p);
        DeviceArray buf = ops.empty(777);
        for (int step = 0; step < 3; step++) {
            sgd.zeroGrad();
            Tensor g = randn(777);
            p.mul(g).sum().backward();
            sgd.step();
            ops.sgdStep(dp, up(g), buf, 0.1f, 0.9f, 0f, 0.01f, true, step == 0);
        }
        close("sgd nesterov, weight decay, 3 steps", p, dp, 1e-6f);
    }

    @Test
    void adamStepIsBitForBitTheCpuKernel() {
        int n = 10_000;
        float[] p = randn(n).toFloatArray();
        float[] g = randn(n).toFloatArray();
        float[] m = randn(n).mul(0.01f).toFloatArray();
        float[] v = randn(n).mul(0.01f).toFloatArray();
        for (int i = 0; i < n; i++) {
            v[i] = Math.abs(v[i]);
        }
        DeviceArray dp = up(Tensor.of(p.clone(), n));
        DeviceArray dg = up(Tensor.of(g.clone(), n));
        DeviceArray dm = up(Tensor.of(m.clone(), n));
        DeviceArray dv = up(Tensor.of(v.clone(), n));
        var s = new AdamKernel.Step(-0.004f / 0.1f, (float) Math.sqrt(0.001), 0.9f, 0.999f, 0.1f, 0.001f, 1e-8f, 0f, true,
                1f - 0.004f * 0.01f, false);
        AdamKernel.update(s, p, 0, g, 0, m, v, null, n);
        ops.adamStep(dp, dg, dm, dv, s);
        assertArrayEquals(p, down(dp));
        assertArrayEquals(m, down(dm));
        assertArrayEquals(v, down(dv));
    }

    @Test
    void batchNormForwardGradientsAndRunningStatisticsInTrainingAndEvaluation() {
        for (boolean training : new boolean[] {true, false}) {
            String mode = training ? "training" : "evaluation";
            Tensor x = randn(6, 3, 4, 5).mul(2f).add(1.5f).requiresGrad(true);
            Tensor w = randn(3).requiresGrad(true);
            Tensor b = randn(3).requiresGrad(true);
            Tensor rm = randn(3).mul(0.1f);
            Tensor rv = randn(3).abs().add(0.5f);
            DeviceArray drm = up(rm);
            DeviceArray drv = up(rv);
            Tensor y = F.batchNorm(x, rm, rv, w, b, training, 0.1f, 1e-5f);
            Tensor gy = backward(y);
            DeviceArray dx = up(x);
            DeviceArray dw = up(w);
            CudaOps.BatchNorm out = ops.batchNorm(dx, dw, up(b), drm, drv, training, 0.1f, 1e-5f);
            close("batch_norm " + mode, y, out.y(), 1e-5f);
            close("running mean after " + mode, rm, drm, 1e-5f);
            close("running var after " + mode, rv, drv, 1e-5f);
            CudaOps.BatchNormGrads g = ops.batchNormBackward(dx, up(gy), dw, out, training);
            close("batch_norm " + mode + " gx", x.grad(), g.gx(), 1e-4f);
            close("batch_norm " + mode + " gw", w.grad(), g.gw(), 1e-5f);
            close("batch_norm " + mode + " gb", b.grad(), g.gb(), 1e-5f);
        }
    }
}
