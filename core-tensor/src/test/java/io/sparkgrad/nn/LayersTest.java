package io.sparkgrad.nn;

import static io.sparkgrad.testing.GradCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Each layer computes what its functional form computes, with its own state, and validates its settings. */
class LayersTest {
    private final Generator g = new Generator(8);

    @Test
    void linearAndConvForwardThroughF() {
        Linear lin = new Linear(5, 3, true, g);
        Tensor x = uniform(g, -1, 1, 4, 5);
        assertArrayEquals(F.linear(x, lin.weight(), lin.bias()).toFloatArray(), lin.forward(x).toFloatArray());
        Conv2d conv = Conv2d.builder(2, 4, 3, 2).stride(1, 2).padding(1).dilation(2, 1).groups(2).generator(g).build();
        assertArrayEquals(new int[] {4, 1, 3, 2}, conv.weight().shape());
        Tensor img = uniform(g, -1, 1, 2, 2, 7, 6);
        assertArrayEquals(F.conv2d(img, conv.weight(), conv.bias(), new int[] {1, 2}, new int[] {1, 1}, new int[] {2, 1}, 2)
                .toFloatArray(), conv.forward(img).toFloatArray());
    }

    @Test
    void sequentialFusesConvAndReluWithExactlyTheUnfusedValuesAndGradients() {
        Sequential net = new Sequential(new Conv2d(2, 5, 3, 2, 1), new ReLU(), new Conv2d(5, 3, 3, 1, 1), new ReLU(), new Flatten());
        Tensor x = uniform(g, -1, 1, 4, 2, 9, 9).requiresGrad(true);
        Tensor fused = net.forward(x);
        assertEquals("conv2d_relu", fusedName(new Sequential(new Conv2d(2, 1, 1), new ReLU()).forward(x)));
        fused.mul(uniform(new Generator(3), -1, 1, fused.shape())).sum().backward();
        float[] gx = x.grad().toFloatArray();
        java.util.List<float[]> gp = new java.util.ArrayList<>();
        net.parameters().forEach(p -> gp.add(p.grad().toFloatArray()));

        net.zeroGrad();
        Tensor x2 = x.detach().requiresGrad(true);
        Tensor chained = x2;
        for (Module m : net.children()) {
            chained = m.forward(chained);
        }
        assertArrayEquals(chained.toFloatArray(), fused.toFloatArray(), 0f);
        chained.mul(uniform(new Generator(3), -1, 1, chained.shape())).sum().backward();
        assertArrayEquals(x2.grad().toFloatArray(), gx, 0f);
        for (int i = 0; i < gp.size(); i++) {
            assertArrayEquals(net.parameters().get(i).grad().toFloatArray(), gp.get(i), 0f, "parameter " + i);
        }
    }

    @Test
    void anInPlaceChangeOfAFusedConvReluOutputFailsItsBackward() {
        Sequential net = new Sequential(new Conv2d(1, 2, 3, 1, 1), new ReLU());
        Tensor y = net.forward(uniform(g, -1, 1, 1, 1, 5, 5));
        // Written behind autograd's back, as a kernel or a user holding data() may; markModified() reports it.
        y.data()[0] = 1f;
        y.markModified();
        var e = assertThrows(RuntimeException.class, () -> y.sum().backward());
        assertTrue(e.getMessage().contains("inplace operation") && e.getMessage().contains("saved by conv2d_relu"), e.getMessage());
    }

    /** The name of the op that made {@code t} (its grad_fn, seen through its repr). */
    private static String fusedName(Tensor t) {
        return t.gradFn().name();
    }

    @Test
    void layerWithoutBiasRegistersItAsAbsent() {
        Conv2d conv = new Conv2d(3, 2, 3, 1, 0, 1, 1, false);
        assertEquals(null, conv.bias());
        assertEquals(1, conv.parameters().size());
        assertTrue(conv.stateDict().containsKey("weight") && !conv.stateDict().containsKey("bias"));
    }

    @Test
    void badLayerSettingsAreRefusedWithTheValues() {
        var groups = assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 4, 3, 1, 0, 1, 2, true));
        assertEquals("Conv2d: in_channels (3) must be divisible by groups (2)", groups.getMessage());
        var p = assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5f));
        assertTrue(p.getMessage().contains("1.5"));
        assertThrows(IllegalArgumentException.class, () -> new Linear(0, 3));
        var bn = assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(3).forward(Tensor.zeros(2, 3, 4)));
        assertTrue(bn.getMessage().contains("expected 4D input (got 3D input"), bn.getMessage());
    }

    @Test
    void poolingLayersMatchF() {
        Tensor x = uniform(g, -1, 1, 2, 3, 8, 7);
        assertArrayEquals(F.maxPool2d(x, 3, 2, 1, 1).toFloatArray(), new MaxPool2d(3, 2, 1, 1).forward(x).toFloatArray());
        assertArrayEquals(F.maxPool2d(x, new int[] {2, 3}, null, new int[] {0}, new int[] {1}).toFloatArray(),
                new MaxPool2d(new int[] {2, 3}, null, new int[] {0}, new int[] {1}).forward(x).toFloatArray());
        assertArrayEquals(F.avgPool2d(x, 2).toFloatArray(), new AvgPool2d(2).forward(x).toFloatArray());
        assertArrayEquals(F.adaptiveAvgPool2d(x, 3, 2).toFloatArray(), new AdaptiveAvgPool2d(3, 2).forward(x).toFloatArray());
        assertArrayEquals(new int[] {2, 168}, new Flatten().forward(x).shape());
        assertArrayEquals(new int[] {6, 56}, new Flatten(0, 1).forward(x).view(6, 56).shape());
    }

    @Test
    void dropoutIsIdentityInEvalAndMasksInTraining() {
        Dropout d = new Dropout(0.5f, new Generator(4));
        Tensor x = Tensor.ones(50, 50);
        Tensor train = d.forward(x);
        int zeros = 0;
        for (float v : train.toFloatArray()) {
            zeros += v == 0f ? 1 : 0;
            assertTrue(v == 0f || v == 2f);
        }
        assertTrue(zeros > 1000 && zeros < 1500, "zeros " + zeros);
        d.eval();
        assertSame(x, d.forward(x));
    }

    @Test
    void batchNorm2dTracksRunningStatisticsInTrainingOnly() {
        BatchNorm2d bn = new BatchNorm2d(3, 1e-5f, 0.5f);
        Tensor x = uniform(g, 1, 3, 4, 3, 2, 2);
        bn.forward(x);
        bn.forward(x);
        assertEquals(2, bn.numBatchesTracked());
        float[] mean = x.mean(3, false).mean(2, false).mean(0, false).toFloatArray();
        float[] rm = bn.runningMean().toFloatArray();
        for (int c = 0; c < 3; c++) {
            assertEquals(0.75f * mean[c], rm[c], 1e-5f); // 0 -> m/2 -> 3m/4
        }
        bn.eval();
        float[] before = bn.runningMean().toFloatArray();
        Tensor y = bn.forward(x);
        assertArrayEquals(before, bn.runningMean().toFloatArray());
        assertEquals(2, bn.numBatchesTracked());
        assertArrayEquals(F.batchNorm(x, bn.runningMean(), bn.runningVar(), bn.weight(), bn.bias(), false, 0.5f, 1e-5f).toFloatArray(),
                y.toFloatArray());
        bn.resetRunningStats();
        assertEquals(0, bn.numBatchesTracked());
        assertArrayEquals(new float[] {1, 1, 1}, bn.runningVar().toFloatArray());
    }

    @Test
    void batchNorm2dTrainsItsAffineParameters() {
        BatchNorm2d bn = new BatchNorm2d(2);
        bn.forward(uniform(g, -1, 1, 3, 2, 2, 2)).mul(uniform(g, -1, 1, 3, 2, 2, 2)).sum().backward();
        assertTrue(bn.weight().grad() != null && bn.bias().grad() != null);
        assertEquals(null, bn.runningMean().grad());
    }

    @Test
    void lambdaAppliesItsFunction() {
        Lambda view = new Lambda(x -> x.view(-1, 1, 28, 28));
        assertArrayEquals(new int[] {2, 1, 28, 28}, view.forward(Tensor.zeros(2, 784)).shape());
        assertTrue(view.parameters().isEmpty());
    }
}
