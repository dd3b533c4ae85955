package io.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.cuda.CudaOps.Binary;
import io.sparkgrad.cuda.CudaOps.Unary;
import io.sparkgrad.cuda.CudaOps.Window;
import io.sparkgrad.kernel.AdamKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The host side of every GPU op, on a recording launcher: shapes, output sizes, the kernels launched in order with their
 * geometry and arguments (checked against each kernel's parameters), and temporaries returned to the allocator.
 * What the kernels compute is checked only on a GPU (scripts/gpu-check).
 */
class CudaOpsTest {
    private static final Set<CudaKernel> LAUNCHED = EnumSet.noneOf(CudaKernel.class);

    private record Call(CudaKernel kernel, Launch launch, List<Object> args) {
        Object arg(int i) {
            return args.get(i);
        }
    }

    private final List<Call> calls = new ArrayList<>();
    private CachingAllocator memory;
    private CudaOps ops;

    @BeforeEach
    void setUp() {
        memory = new CachingAllocator("cuda:0", new FakeDeviceMemory(1L << 34), Long.MAX_VALUE);
        ops = new CudaOps((kernel, launch, args) -> {
            kernel.checkArgs(args);
            calls.add(new Call(kernel, launch, Arrays.asList(args)));
            LAUNCHED.add(kernel);
        }, memory);
    }

    @AfterAll
    static void everyKernelHasItsHostLogicHere() {
        assertEquals(EnumSet.allOf(CudaKernel.class), LAUNCHED, "kernels no op launches");
    }

    private List<CudaKernel> kernels() {
        return calls.stream().map(Call::kernel).toList();
    }

    private Call only(CudaKernel k) {
        List<Call> found = calls.stream().filter(c -> c.kernel() == k).toList();
        assertEquals(1, found.size(), k + " launches");
        return found.get(0);
    }

    @Test
    void tensorKernelsPadShapesToFourDimensions() {
        DeviceArray x = ops.empty(3, 5);
        DeviceArray t = ops.stridedCopy(x.address(), 2, new int[] {5, 3}, new int[] {1, 5});
        assertEquals(List.of(x.address(), t.address(), 15, 2, 1, 1, 5, 3, 0, 0, 1, 5), only(CudaKernel.STRIDED_COPY_F32).args());
        DeviceArray s = ops.sumTo(x, new int[] {1, 5});
        assertEquals(List.of(x.address(), s.address(), 5, 1, 1, 3, 5, 1, 1, 1, 5), only(CudaKernel.SUM_TO_F32).args());
        assertArrayEquals(new int[] {1, 5}, s.shape());
        var e = assertThrows(IllegalArgumentException.class, () -> ops.sumTo(x, new int[] {3, 2}));
        assertTrue(e.getMessage().contains("cannot be summed to [3, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ops.stridedCopy(x.address(), 0, new int[] {1, 1, 1, 1, 15},
                new int[] {0, 0, 0, 0, 1}));
        assertTrue(e.getMessage().contains("more than 4 dimensions"), e.getMessage());
        DeviceArray a = ops.empty(4);
        DeviceArray b = ops.empty(4);
        DeviceArray same = ops.equal(a, b);
        assertEquals(List.of(a.address(), b.address(), same.address(), 4), only(CudaKernel.EQUAL_I32).args());
        ops.argmaxRows(x);
        assertEquals(List.of(3, 5), only(CudaKernel.ARGMAX_ROWS_F32).args().subList(2, 4));
        DeviceArray target = ops.empty(3);
        DeviceArray losses = ops.nllLoss(x, target);
        assertEquals(List.of(x.address(), target.address(), losses.address(), 3, 5), only(CudaKernel.NLL_ROWS_F32).args());
        DeviceArray g = ops.nllBackward(target, losses, 3, 5, false, 3);
        assertEquals(List.of(target.address(), losses.address(), g.address(), 3, 5, 0, 3), only(CudaKernel.NLL_BACKWARD_F32).args());
        ops.affineInto(x, x, 0.5f, 0f);
        assertEquals(List.of(x.address(), x.address(), 15, 0.5f, 0f), only(CudaKernel.AFFINE_F32).args());
    }

    @Test
    void launchGeometryCoversEveryElementAndCapsTheGrid() {
        assertEquals(new Launch(1, 1, 256, 0), Launch.elementwise(0));
        assertEquals(new Launch(4, 1, 256, 0), Launch.elementwise(1000));
        assertEquals(new Launch(Launch.MAX_GRID, 1, 256, 0), Launch.elementwise(1L << 31));
        assertEquals(new Launch(64, 1, 32, 128), Launch.perRow(64, 10), "10 classes: one warp per row");
        assertEquals(new Launch(1, 1, 256, 1024), Launch.perRow(1, 100_000));
        assertEquals(new Launch(4, 2, 256, 0), Launch.gemm(100, 200));
        assertThrows(IllegalArgumentException.class, () -> Launch.gemm(Launch.MAX_GRID * 64 + 1, 1));
    }

    @Test
    void aLaunchWithArgumentsTheKernelDoesNotTakeIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> CudaKernel.AXPY_F32.checkArgs(1.0, 5L, 6L, 3));
        assertEquals("axpy_f32 argument 0 must be Float ('f'), got Double", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CudaKernel.FILL_F32.checkArgs(5L, 1f));
        assertEquals("fill_f32 takes 3 arguments (pfi), got 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CudaKernel.FILL_F32.checkArgs(0L, 1f, 3));
        assertTrue(e.getMessage().contains("null device pointer"));
    }

    @Test
    void theOpCodesAreTheKernelsSwitchCases() throws Exception {
        String source = Files.readString(Path.of("src/main/cuda/elementwise.cu"));
        for (var codes : List.of(Unary.values(), Binary.values())) {
            String list = Arrays.stream(codes).map(c -> c.ordinal() + " " + c.name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining(", "));
            assertTrue(source.contains("// " + list), "elementwise.cu lists " + list);
        }
    }

    @Test
    void linearIsOneGemmAgainstTheTransposedWeightAndABiasAdd() {
        var x = ops.empty(64, 784);
        var w = ops.empty(10, 784);
        var b = ops.empty(10);
        var y = ops.linear(x, w, b);
        assertArrayEquals(new int[] {64, 10}, y.shape());
        assertEquals(List.of(CudaKernel.SGEMM_F32, CudaKernel.BIAS_ADD_F32), kernels());
        // transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc
        assertEquals(List.of(0, 1, 64, 10, 784, 1f, x.address(), 784, w.address(), 784, 0f, y.address(), 10),
                only(CudaKernel.SGEMM_F32).args());
        assertEquals(Launch.gemm(64, 10), only(CudaKernel.SGEMM_F32).launch());
        assertEquals(List.of(y.address(), b.address(), y.address(), 64, 10, 1), only(CudaKernel.BIAS_ADD_F32).args());

        calls.clear();
        var g = ops.linearBackward(x, w, y, true);
        assertArrayEquals(x.shape(), g.gx().shape());
        assertArrayEquals(w.shape(), g.gw().shape());
        assertArrayEquals(new int[] {10}, g.gb().shape());
        assertEquals(List.of(CudaKernel.SGEMM_F32, CudaKernel.SGEMM_F32, CudaKernel.SUM_COLS_F32), kernels());
        assertEquals(List.of(0, 0, 64, 784, 10), calls.get(0).args().subList(0, 5), "gx = gy @ w");
        assertEquals(List.of(1, 0, 10, 784, 64), calls.get(1).args().subList(0, 5), "gw = gy^T @ x");
        assertNull(ops.linearBackward(x, w, y, false).gb());
    }

    @Test
    void matmulOfShapesThatDoNotFitNamesBoth() {
        var e = assertThrows(IllegalArgumentException.class, () -> ops.matmul(ops.empty(3, 4), false, ops.empty(5, 6), false));
        assertEquals("matmul: shapes [3, 4] and [5, 6] cannot be multiplied (4 != 5)", e.getMessage());
        assertArrayEquals(new int[] {4, 6}, ops.matmul(ops.empty(3, 4), true, ops.empty(6, 3), true).shape());
    }

    @Test
    void conv2dIsOneIm2colOneGemmAndAPermuteForTheWholeBatch() {
        var x = ops.empty(64, 1, 28, 28);
        var w = ops.empty(16, 1, 3, 3);
        var b = ops.empty(16);
        long before = memory.stats().inUseBytes();
        var y = ops.conv2d(x, w, b, Window.square(3, 2, 1));
        assertArrayEquals(new int[] {64, 16, 14, 14}, y.shape());
        assertEquals(List.of(CudaKernel.IM2COL_F32, CudaKernel.SGEMM_F32, CudaKernel.SWAP01_F32, CudaKernel.BIAS_ADD_F32),
                kernels());
        assertEquals(List.of(x.address(), 64, 1, 28, 28, 3, 3, 2, 2, 1, 1, 14, 14),
                withoutArg(only(CudaKernel.IM2COL_F32).args(), 1));
        assertEquals(Launch.elementwise(9L * 64 * 196), only(CudaKernel.IM2COL_F32).launch());
        assertEquals(List.of(0, 0, 16, 64 * 196, 9), only(CudaKernel.SGEMM_F32).args().subList(0, 5));
        assertEquals(List.of(16, 64, 196), only(CudaKernel.SWAP01_F32).args().subList(2, 5));
        assertEquals(List.of(64, 16, 196), only(CudaKernel.BIAS_ADD_F32).args().subList(3, 6));
        assertEquals(before + CachingAllocator.sizeClass(y.bytes()), memory.stats().inUseBytes(), "temporaries freed");
    }

    @Test
    void conv2dBackwardGivesAllThreeGradientsAndFreesItsTemporaries() {
        var x = ops.empty(8, 16, 14, 14);
        var w = ops.empty(10, 16, 3, 3);
        Window win = Window.square(3, 2, 1);
        var gy = ops.empty(8, 10, 7, 7);
        long before = memory.stats().inUseBytes();
        var g = ops.conv2dBackward(x, w, gy, win, true);
        assertArrayEquals(x.shape(), g.gx().shape());
        assertArrayEquals(w.shape(), g.gw().shape());
        assertArrayEquals(new int[] {10}, g.gb().shape());
        assertEquals(List.of(CudaKernel.SWAP01_F32, CudaKernel.IM2COL_F32, CudaKernel.SGEMM_F32, CudaKernel.SGEMM_F32,
                CudaKernel.COL2IM_F32, CudaKernel.SUM_CHANNELS_F32), kernels());
        assertEquals(List.of(8, 10, 49), calls.get(0).args().subList(2, 5), "[N, OC, S] -> [OC, N, S]");
        assertEquals(List.of(0, 1, 10, 144, 8 * 49), calls.get(2).args().subList(0, 5), "gW = gOut @ col^T");
        assertEquals(List.of(1, 0, 144, 8 * 49, 10), calls.get(3).args().subList(0, 5), "gcol = W^T @ gOut");
        assertEquals(List.of(8, 16, 14, 14, 3, 3, 2, 2, 1, 1, 7, 7), calls.get(4).args().subList(2, 14));
        assertEquals(new Launch(10, 1, 256, 1024), calls.get(5).launch(), "a block per channel");
        long outputs = CachingAllocator.sizeClass(g.gx().bytes()) + CachingAllocator.sizeClass(g.gw().bytes())
                + CachingAllocator.sizeClass(g.gb().bytes());
        assertEquals(before + outputs, memory.stats().inUseBytes());

        var e = assertThrows(IllegalArgumentException.class, () -> ops.conv2dBackward(x, w, ops.empty(8, 10, 6, 6), win, false));
        assertEquals("conv2d backward: gradient of shape [8, 10, 6, 6] for an output of shape [8, 10, 7, 7]", e.getMessage());
    }

    @Test
    void conv2dRefusesAWeightThatDoesNotFit() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ops.conv2d(ops.empty(2, 3, 8, 8), ops.empty(4, 1, 3, 3), null, Window.square(3, 1, 0)));
        assertEquals("conv2d: weight [4, 1, 3, 3] does not fit input [2, 3, 8, 8] with kernel 3x3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ops.conv2d(ops.empty(2, 1, 2, 2), ops.empty(4, 1, 5, 5), null, Window.square(5, 1, 1)));
        assertTrue(e.getMessage().contains("kernel 5 is larger than the padded input 4"), e.getMessage());
    }

    @Test
    void poolingSizesItsOutputsAndGathersItsGradients() {
        var x = ops.empty(4, 16, 28, 28);
        Window win = Window.square(2, 2, 0);
        var max = ops.maxPool2d(x, win);
        assertArrayEquals(new int[] {4, 16, 14, 14}, max.y().shape());
        assertArrayEquals(max.y().shape(), max.indices().shape());
        assertEquals(List.of(64, 28, 28, 14, 14, 2, 2, 2, 2, 0, 0), only(CudaKernel.MAXPOOL2D_F32).args().subList(3, 14));
        var gx = ops.maxPool2dBackward(max.y(), max.indices(), x.shape(), win);
        assertArrayEquals(x.shape(), gx.shape());
        assertEquals(Launch.elementwise(x.numel()), only(CudaKernel.MAXPOOL2D_BACKWARD_F32).launch(), "one thread per input");
        var avg = ops.avgPool2d(x, Window.square(4, 4, 0));
        assertArrayEquals(new int[] {4, 16, 7, 7}, avg.shape());
        assertArrayEquals(x.shape(), ops.avgPool2dBackward(avg, x.shape(), Window.square(4, 4, 0)).shape());
        var e = assertThrows(IllegalArgumentException.class, () -> ops.avgPool2dBackward(max.y(), x.shape(), Window.square(4, 4, 0)));
        assertEquals("avg_pool2d backward: gradient of shape [4, 16, 14, 14] for an output of shape [4, 16, 7, 7]", e.getMessage());
    }

    @Test
    void crossEntropyIsLogSoftmaxThenNllThenAFixedOrderSum() {
        var logits = ops.empty(64, 10);
        var target = ops.empty(64);
        var ce = ops.crossEntropy(logits, target);
        assertEquals(List.of(CudaKernel.SOFTMAX_ROWS_F32, CudaKernel.NLL_ROWS_F32, CudaKernel.SUM_ROWS_F32), kernels());
        assertEquals(1, only(CudaKernel.SOFTMAX_ROWS_F32).arg(4), "log_softmax");
        assertEquals(new Launch(1, 1, 64, 256), only(CudaKernel.SUM_ROWS_F32).launch(), "one block sums the batch");
        assertArrayEquals(new int[] {1}, ce.lossSum().shape());
        var g = ops.crossEntropyBackward(ce.logp(), target, ce.lossSum());
        assertArrayEquals(logits.shape(), g.shape());
        var e = assertThrows(IllegalArgumentException.class, () -> ops.crossEntropy(logits, ops.empty(63)));
        assertEquals("cross_entropy: target [63] does not fit input [64, 10]: expected [64]", e.getMessage());

        calls.clear();
        var sm = ops.softmax(logits, false);
        ops.softmaxBackward(sm, logits, false);
        assertEquals(0, calls.get(0).arg(4));
        assertEquals(0, calls.get(1).arg(5));
    }

    @Test
    void correctCountsArgmaxHitsAndFreesTheIndices() {
        var logits = ops.empty(256, 10);
        var target = ops.empty(256);
        long before = memory.stats().inUseBytes();
        var count = ops.correct(logits, target);
        assertEquals(List.of(CudaKernel.ARGMAX_ROWS_F32, CudaKernel.COUNT_EQUAL_I32), kernels());
        assertEquals(before + CachingAllocator.sizeClass(4), memory.stats().inUseBytes());
        assertArrayEquals(new int[] {1}, count.shape());
    }

    @Test
    void elementwiseOpsCheckShapesAndPassTheirCodes() {
        var a = ops.empty(3, 5);
        var b = ops.empty(3, 5);
        ops.binary(Binary.DIV, a, b);
        assertEquals(3, calls.get(0).arg(4));
        var y = ops.unary(Unary.RELU, a);
        ops.unaryBackward(Unary.RELU, a, y, b);
        assertEquals(5, calls.get(1).arg(3));
        assertEquals(5, calls.get(2).arg(5));
        ops.affine(a, 0.5f, -1f);
        ops.axpy(-0.1f, a, b);
        ops.fill(a, 0f);
        var d = ops.dropout(a, 0.25f, 42);
        assertArrayEquals(a.shape(), d.mask().shape());
        assertEquals(List.of(15, 0.25f, 42), calls.get(calls.size() - 1).args().subList(3, 6));
        var e = assertThrows(IllegalArgumentException.class, () -> ops.binary(Binary.ADD, a, ops.empty(5, 3)));
        assertEquals("add: shapes [3, 5] and [5, 3] differ", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ops.dropout(a, 1f, 1));
    }

    @Test
    void optimizerStepsPassTheCpuRulesConstantsInTheKernelsOrder() {
        var p = ops.empty(1000);
        var g = ops.empty(1000);
        var m = ops.empty(1000);
        var v = ops.empty(1000);
        var s = new AdamKernel.Step(-0.004f, 0.03f, 0.9f, 0.999f, 0.1f, 0.001f, 1e-8f, 0f, true, 0.99f, false);
        ops.adamStep(p, g, m, v, s);
        assertEquals(List.of(1000, -0.004f, 0.03f, 0.9f, 0.999f, 0.1f, 0.001f, 1e-8f, 0f, 1, 0.99f, 0),
                only(CudaKernel.ADAM_F32).args().subList(4, 16));
        ops.sgdStep(p, g, m, 0.1f, 0.9f, 0f, 0f, true, false);
        assertEquals(List.of(m.address(), 1000, 0.1f, 0.9f, 0f, 0f, 1, 0), only(CudaKernel.SGD_F32).args().subList(2, 10));
        calls.clear();
        ops.sgdStep(p, g, null, 0.1f, 0f, 0f, 0f, false, true);
        assertEquals(g.address(), calls.get(0).arg(2), "no momentum buffer: the kernel never reads it");
        var e = assertThrows(IllegalArgumentException.class, () -> ops.adamStep(p, g, ops.empty(999), v, s));
        assertEquals("adam exp_avg: shapes [1000] and [999] differ", e.getMessage());
    }

    @Test
    void amsgradKeepsItsRunningMaximumInTheKernelsFifthArgument() {
        var p = ops.empty(10);
        var vmax = ops.empty(10);
        var s = new AdamKernel.Step(-0.004f, 0.03f, 0.9f, 0.999f, 0.1f, 0.001f, 1e-8f, 0.01f, false, 1f, true);
        ops.adamAmsgradStep(p, p, p, p, vmax, s);
        assertEquals(List.of(vmax.address(), 10, -0.004f, 0.03f, 0.9f, 0.999f, 0.1f, 0.001f, 1e-8f, 0.01f, 0, 1f, 1),
                only(CudaKernel.ADAM_AMSGRAD_F32).args().subList(4, 17));
        var e = assertThrows(IllegalArgumentException.class, () -> ops.adamAmsgradStep(p, p, p, p, ops.empty(9), s));
        assertEquals("adam max_exp_avg_sq: shapes [10] and [9] differ", e.getMessage());
    }

    @Test
    void activationsAndPowPassTheirParameters() {
        var x = ops.empty(3, 7);
        var y = ops.gelu(x);
        var gx = ops.geluBackward(x, y);
        assertEquals(List.of(x.address(), y.address(), gx.address(), 21), only(CudaKernel.GELU_BACKWARD_F32).args());
        var l = ops.leakyRelu(x, 0.2f);
        assertEquals(List.of(x.address(), l.address(), 21, 0.2f), only(CudaKernel.LEAKY_RELU_F32).args());
        ops.leakyReluBackward(x, l, 0.2f);
        assertEquals(0.2f, only(CudaKernel.LEAKY_RELU_BACKWARD_F32).arg(4));
        var pw = ops.pow(x, -1.5f);
        assertEquals(List.of(x.address(), pw.address(), 21, -1.5f), only(CudaKernel.POW_SCALAR_F32).args());
        assertArrayEquals(new int[] {3, 7}, pw.shape());
        assertEquals(List.of(CudaKernel.GELU_F32, CudaKernel.GELU_BACKWARD_F32, CudaKernel.LEAKY_RELU_F32,
                CudaKernel.LEAKY_RELU_BACKWARD_F32, CudaKernel.POW_SCALAR_F32), kernels());
        var e = assertThrows(IllegalArgumentException.class, () -> ops.geluBackward(x, ops.empty(7, 3)));
        assertEquals("gelu backward: shapes [3, 7] and [7, 3] differ", e.getMessage());
    }

    @Test
    void maxGatherAndIndexSelectViewTheirShapesAroundTheDimension() {
        var x = ops.empty(2, 5, 3);
        var m = ops.maxDim(x, 1, new int[] {2, 3});
        assertEquals(List.of(x.address(), m.values().address(), m.indices().address(), 2, 5, 3), only(CudaKernel.MAX_DIM_F32).args());
        var gx = ops.maxDimBackward(m.values(), m.indices(), x.shape(), 1);
        assertEquals(List.of(2, 5, 3), only(CudaKernel.MAX_DIM_BACKWARD_F32).args().subList(3, 6));
        assertArrayEquals(new int[] {2, 5, 3}, gx.shape());
        assertThrows(IllegalArgumentException.class, () -> ops.maxDim(x, 1, new int[] {2, 5}));
        assertThrows(IllegalArgumentException.class, () -> ops.maxDim(ops.empty(2, 0), 1, new int[] {2}));

        var src = ops.empty(3, 4);
        var index = ops.empty(3, 2);
        var g = ops.gather(src, 1, index);
        assertEquals(List.of(src.address(), index.address(), g.address(), 6, 3, 1, 3, 2, 1, 1, 3, 4), only(CudaKernel.GATHER_F32).args());
        var gg = ops.gatherBackward(g, index, 1, src.shape());
        assertEquals(List.of(gg.address(), 12, 3, 1, 1, 3, 2, 1, 3, 4), only(CudaKernel.GATHER_BACKWARD_F32).args().subList(2, 12));
        var e = assertThrows(IllegalArgumentException.class, () -> ops.gather(src, 1, ops.empty(4, 2)));
        assertEquals("gather: index of shape [4, 2] is larger than input of shape [3, 4] at dimension 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ops.gather(src, 1, ops.empty(3)));

        var rows = ops.empty(4);
        var picked = ops.indexRows(ops.empty(3, 2, 2), rows);
        assertArrayEquals(new int[] {4, 2, 2}, picked.shape());
        assertEquals(List.of(16, 4), only(CudaKernel.INDEX_ROWS_F32).args().subList(3, 5));
        ops.indexRowsBackward(picked, rows, new int[] {3, 2, 2});
        assertEquals(List.of(12, 4, 4), only(CudaKernel.INDEX_ROWS_BACKWARD_F32).args().subList(3, 6));
    }

    @Test
    void catPlacesEachInputAtItsOffsetAndBmmIsOneGemmPerBatchEntry() {
        var part = ops.empty(2, 2);
        var whole = ops.empty(2, 5);
        ops.place(part, whole, 1, 3);
        assertEquals(List.of(part.address(), whole.address(), 4, 2, 1, 5, 3), only(CudaKernel.PLACE_F32).args());
        var e = assertThrows(IllegalArgumentException.class, () -> ops.place(part, whole, 1, 4));
        assertTrue(e.getMessage().contains("does not fit [2, 5] at 4 of dimension 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ops.place(ops.empty(3, 2), whole, 1, 0));

        calls.clear();
        var a = ops.empty(2, 3, 4);
        var b = ops.empty(2, 4, 5);
        var c = ops.bmm(a, b);
        assertArrayEquals(new int[] {2, 3, 5}, c.shape());
        assertEquals(List.of(CudaKernel.SGEMM_F32, CudaKernel.SGEMM_F32), kernels());
        assertEquals(List.of(0, 0, 3, 5, 4, 1f, a.address() + 48, 4, b.address() + 80, 5, 0f, c.address() + 60, 5), calls.get(1).args());
        calls.clear();
        var shared = ops.empty(4, 5);
        ops.bmm(a, shared);
        assertEquals(shared.address(), calls.get(1).arg(8), "a 2-D right operand is every entry's");
        e = assertThrows(IllegalArgumentException.class, () -> ops.bmm(a, ops.empty(3, 4, 5)));
        assertEquals("batch1 and batch2 shapes cannot be multiplied ([2, 3, 4] and [3, 4, 5])", e.getMessage());
    }

    @Test
    void adaptivePoolingTakesAnyOutputSize() {
        var x = ops.empty(2, 2, 7, 5);
        var y = ops.adaptiveAvgPool2d(x, 3, 2);
        assertArrayEquals(new int[] {2, 2, 3, 2}, y.shape());
        assertEquals(List.of(x.address(), y.address(), 4, 7, 5, 3, 2), only(CudaKernel.ADAPTIVE_AVGPOOL2D_F32).args());
        var gx = ops.adaptiveAvgPool2dBackward(y, x.shape());
        assertEquals(List.of(y.address(), gx.address(), 4, 7, 5, 3, 2), only(CudaKernel.ADAPTIVE_AVGPOOL2D_BACKWARD_F32).args());
        assertThrows(IllegalArgumentException.class, () -> ops.adaptiveAvgPool2d(ops.empty(2, 7, 5), 3, 2));
        assertThrows(IllegalArgumentException.class, () -> ops.adaptiveAvgPool2d(x, 0, 2));
    }

    @Test
    void batchNormTrainsOnTheBatchStatisticsAndEvaluatesOnTheRunningOnes() {
        var x = ops.empty(8, 4, 5, 5);
        var w = ops.empty(4);
        var b = ops.empty(4);
        var rm = ops.empty(4);
        var rv = ops.empty(4);
        long before = memory.stats().inUseBytes();
        var t = ops.batchNorm(x, w, b, rm, rv, true, 0.1f, 1e-5f);
        assertEquals(List.of(CudaKernel.BATCH_NORM_STATS_F32, CudaKernel.BATCH_NORM_UPDATE_RUNNING_F32, CudaKernel.BATCH_NORM_FORWARD_F32),
                kernels());
        assertEquals(Launch.perRow(4, 8 * 25), only(CudaKernel.BATCH_NORM_STATS_F32).launch(), "one block per channel");
        assertEquals(List.of(8, 4, 25, 1e-5f), only(CudaKernel.BATCH_NORM_STATS_F32).args().subList(4, 8));
        assertEquals(List.of(rm.address(), rv.address(), t.mean().address()), only(CudaKernel.BATCH_NORM_UPDATE_RUNNING_F32).args().subList(0, 3));
        assertEquals(List.of(4, 0.1f, 200f / 199f), only(CudaKernel.BATCH_NORM_UPDATE_RUNNING_F32).args().subList(4, 7), "unbiased by m/(m-1)");
        assertArrayEquals(x.shape(), t.y().shape());
        ops.free(t.y(), t.mean(), t.invStd());
        assertEquals(before, memory.stats().inUseBytes(), "the batch variance is freed; the rest is the caller's");

        calls.clear();
        var e = ops.batchNorm(x, w, b, rm, rv, false, 0.1f, 1e-5f);
        assertEquals(List.of(CudaKernel.AFFINE_F32, CudaKernel.BATCH_NORM_INVSTD_F32, CudaKernel.BATCH_NORM_FORWARD_F32), kernels(),
                "evaluation: the running statistics, untouched");
        assertEquals(rv.address(), only(CudaKernel.BATCH_NORM_INVSTD_F32).arg(0));

        calls.clear();
        var g = ops.batchNormBackward(x, ops.empty(8, 4, 5, 5), w, t, true);
        assertEquals(List.of(CudaKernel.BATCH_NORM_BACKWARD_SUMS_F32, CudaKernel.BATCH_NORM_BACKWARD_INPUT_F32), kernels());
        assertEquals(List.of(g.gb().address(), g.gw().address(), 8, 4, 25), only(CudaKernel.BATCH_NORM_BACKWARD_SUMS_F32).args().subList(4, 9));
        assertEquals(List.of(8, 4, 25, 1), only(CudaKernel.BATCH_NORM_BACKWARD_INPUT_F32).args().subList(8, 12));
        assertArrayEquals(new int[] {4}, g.gw().shape());
        ops.batchNormBackward(x, ops.empty(8, 4, 5, 5), w, e, false);
        assertEquals(0, calls.get(calls.size() - 1).arg(11), "evaluation mode's input gradient");

        var bad = assertThrows(IllegalArgumentException.class, () -> ops.batchNorm(x, ops.empty(3), b, rm, rv, true, 0.1f, 1e-5f));
        assertEquals("batch_norm: per-channel arrays must have shape [4] for input shape [8, 4, 5, 5], got [3]", bad.getMessage());
        var one = assertThrows(IllegalArgumentException.class, () -> ops.batchNorm(ops.empty(1, 4), w, b, rm, rv, true, 0.1f, 1e-5f));
        assertTrue(one.getMessage().contains("more than 1 value per channel"), one.getMessage());
    }

    private static List<Object> withoutArg(List<Object> args, int i) {
        List<Object> copy = new ArrayList<>(args);
        copy.remove(i);
        return copy;
    }
}
