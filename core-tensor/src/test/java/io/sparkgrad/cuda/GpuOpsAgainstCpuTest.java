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
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The GPU ops give the CPU backend's results (which the golden cases pin to PyTorch's): forward and gradients, on random
 * inputs, within float32 summation-order tolerance; the optimizer steps bit for bit. Needs a GPU: skipped, and counted as
 * skipped, where {@link CudaDetection} finds none. scripts/gpu-check runs it.
 */
class GpuOpsAgainstCpuTest {
    private static GpuSession gpu;
    private static CudaOps ops;
    private final Generator gen = new Generator(7);

    @BeforeAll
    static void openGpu() {
        if (CudaDetection.status().available()) {
            gpu = GpuSession.open(0, Long.MAX_VALUE);
            ops = new CudaOps(gpu, gpu.allocator());
        }
    }

    /** Per test, so that each one is reported as skipped where there is no GPU. */
    @BeforeEach
    void needGpu() {
        assumeTrue(gpu != null, () -> "no GPU: " + CudaDetection.status().reason());
    }

    @AfterAll
    static void closeGpu() {
        if (gpu != null) {
            gpu.close();
        }
    }

    private DeviceArray up(Tensor t) {
        DeviceArray d = ops.empty(t.shape());
        gpu.copyIn(t.toFloatArray(), d.address());
        return d;
    }

    private DeviceArray upInts(int[] values) {
        DeviceArray d = ops.empty(values.length);
        gpu.copyIn(values, d.address());
        return d;
    }

    private static float[] down(DeviceArray d) {
        float[] host = new float[d.numel()];
        gpu.copyOut(d.address(), host);
        return host;
    }

    private Tensor randn(int... shape) {
        return Tensor.randn(gen, shape);
    }

    /** Equal within {@code rel} of the reference's largest magnitude (sums in another order round differently). */
    private static void close(String what, Tensor expected, DeviceArray actual, float rel) {
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

    private static void sameGrads(String op, Tensor x, Tensor w, Tensor b, DeviceArray gx, DeviceArray gw, DeviceArray gb) {
        close(op + " gx", x.grad(), gx, 1e-5f);
        close(op + " gw", w.grad(), gw, 1e-5f);
        close(op + " gb", b.grad(), gb, 1e-5f);
    }

    @Test
    void linearForwardAndGradients() {
        Tensor x = randn(64, 784).requiresGrad(true);
        Tensor w = randn(10, 784).requiresGrad(true);
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
        Tensor logits = randn(256, 10).mul(3f).requiresGrad(true);
        int[] labels = new int[256];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (i * 7) % 10;
        }
        Tensor target = Tensor.ofInts(labels, 256);
        Tensor loss = F.crossEntropy(logits, target, Reduction.SUM);
        loss.backward();
        DeviceArray dl = up(logits);
        DeviceArray dt = upInts(labels);
        var ce = ops.crossEntropy(dl, dt);
        close("log_softmax", F.logSoftmax(logits, 1), ce.logp(), 1e-6f);
        close("softmax", F.softmax(logits, 1), ops.softmax(dl, false), 1e-6f);
        close("cross_entropy sum", loss, ce.lossSum(), 1e-5f);
        DeviceArray one = ops.empty(1);
        ops.fill(one, 1f);
        close("cross_entropy grad", logits.grad(), ops.crossEntropyBackward(ce.logp(), dt, one), 1e-5f);
        assertEquals(logits.argmax(1).eq(target).sum().item(), down(ops.correct(dl, dt))[0]);
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

    /** 100 runs one after the other in one JVM, each with its own session: device memory in use does not grow. */
    @Test
    void successiveRunsLeaveDeviceMemoryFlat() {
        long[] free = new long[1];
        long[] total = new long[1];
        long afterFirst = 0;
        for (int run = 0; run < 100; run++) {
            try (GpuSession s = GpuSession.open(0, Long.MAX_VALUE)) {
                CudaOps o = new CudaOps(s, s.allocator());
                DeviceArray x = o.empty(256, 1, 28, 28);
                o.fill(x, 1f);
                o.conv2d(x, o.empty(16, 1, 3, 3), null, Window.square(3, 2, 1));
                s.synchronize();
            }
            gpu.makeCurrent();
            GpuSession.check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo");
            if (run == 0) {
                afterFirst = free[0];
            }
        }
        assertTrue(Math.abs(free[0] - afterFirst) <= 2L << 20, "free device memory after run 1: " + afterFirst
                + ", after run 100: " + free[0]);
    }

    /** A session opened on one thread works from another (Spark's pooled task threads). */
    @Test
    void aSessionWorksFromAnotherThread() throws Exception {
        var pool = Executors.newSingleThreadExecutor();
        try {
            float[] out = pool.submit(() -> {
                DeviceArray a = ops.empty(1000);
                ops.fill(a, 2.5f);
                return down(ops.sum(a));
            }).get(60, TimeUnit.SECONDS);
            assertEquals(2500f, out[0]);
        } finally {
            pool.shutdownNow();
        }
    }
}
