package io.sparkgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.nn.F;
import org.junit.jupiter.api.Test;

/** The autograd rules a user relies on: accumulation, fan-out, no-grad scopes, in-place updates, clear errors. */
class AutogradSemanticsTest {

    @Test
    void gradientsAccumulateAcrossBackwardCallsAndFanOut() {
        Tensor x = Tensor.vector(1f, 2f, 3f).requiresGrad(true);
        x.mul(x).sum().backward(); // d/dx x^2 = 2x, x used twice
        assertArrayEquals(new float[] {2f, 4f, 6f}, x.grad().toFloatArray());
        x.sum().backward();
        assertArrayEquals(new float[] {3f, 5f, 7f}, x.grad().toFloatArray());
    }

    @Test
    void accumulationWritesIntoAnExistingGradTensorInPlace() {
        float[] flat = new float[5];
        Tensor w = Tensor.vector(1f, 2f).requiresGrad(true);
        w.setGrad(Tensor.wrap(flat, 3, 2));
        w.mul(3f).sum().backward();
        assertArrayEquals(new float[] {0, 0, 0, 3f, 3f}, flat);
    }

    @Test
    void noGradScopeRecordsNothingAndRestores() {
        Tensor w = Tensor.vector(1f).requiresGrad(true);
        try (var ignored = Tensor.noGrad()) {
            Tensor y = w.mul(2f);
            assertFalse(y.requiresGrad());
            assertTrue(y.isLeaf());
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertTrue(w.mul(2f).requiresGrad());
    }

    @Test
    void tutorialManualUpdateInsideNoGrad() {
        Tensor w = Tensor.vector(1f, 1f).requiresGrad(true);
        w.mul(w).sum().backward();
        try (var ignored = Tensor.noGrad()) {
            w.sub_(w.grad().mul(0.1f));
            w.grad().zero_();
        }
        assertArrayEquals(new float[] {0.8f, 0.8f}, w.toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {0f, 0f}, w.grad().toFloatArray());
    }

    @Test
    void inPlaceOnALeafThatRequiresGradIsRefusedOutsideNoGrad() {
        Tensor w = Tensor.vector(1f).requiresGrad(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.sub_(Tensor.vector(1f)));
        assertTrue(e.getMessage().contains("leaf Variable that requires grad"), e.getMessage());
    }

    @Test
    void inPlaceChangeOfASavedValueIsDetectedAtBackward() {
        Tensor w = Tensor.vector(1f, 2f).requiresGrad(true);
        Tensor x = Tensor.vector(3f, 4f);
        Tensor loss = w.mul(x).sum(); // mul saves x for dL/dw
        x.mul_(2f);
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("modified by an inplace operation"), e.getMessage());
        assertTrue(e.getMessage().contains("version 1; expected version 0"), e.getMessage());
    }

    @Test
    void detachCutsTheGraph() {
        Tensor w = Tensor.vector(2f).requiresGrad(true);
        Tensor d = w.mul(3f).detach();
        assertFalse(d.requiresGrad());
        assertNull(d.gradFn());
    }

    @Test
    void viewsShareStorage() {
        Tensor x = Tensor.arange(6).view(2, 3);
        Tensor col = x.transpose(0, 1).narrow(0, 1, 1);
        try (var ignored = Tensor.noGrad()) {
            col.fill_(-1f);
        }
        assertArrayEquals(new float[] {0, -1, 2, 3, -1, 5}, x.toFloatArray());
        assertSame(x.data(), col.data());
    }

    @Test
    void matmulShapeMismatchNamesBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(64, 784).matmul(Tensor.zeros(10, 784)));
        assertEquals("mat1 and mat2 shapes cannot be multiplied (64x784 and 10x784)", e.getMessage());
        IllegalArgumentException lin = assertThrows(IllegalArgumentException.class,
                () -> F.linear(Tensor.zeros(64, 700), Tensor.zeros(10, 784), null));
        assertTrue(lin.getMessage().startsWith("mat1 and mat2 shapes cannot be multiplied (64x700 and 784x10)"), lin.getMessage());
    }

    @Test
    void broadcastMismatchNamesBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).add(Tensor.zeros(3)));
        assertTrue(e.getMessage().contains("[3, 4] and [3]"), e.getMessage());
    }

    @Test
    void viewOfNonContiguousSuggestsReshape() {
        Tensor t = Tensor.zeros(2, 3).t();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.view(6));
        assertTrue(e.getMessage().contains("use reshape"), e.getMessage());
        assertArrayEquals(new int[] {6}, t.reshape(6).shape());
    }

    @Test
    void backwardOnANonScalarNeedsAnUpstream() {
        Tensor w = Tensor.vector(1f, 2f).requiresGrad(true);
        assertThrows(IllegalStateException.class, () -> w.mul(2f).backward());
        w.mul(2f).backward(Tensor.vector(1f, 10f));
        assertArrayEquals(new float[] {2f, 20f}, w.grad().toFloatArray());
    }

    @Test
    void argmaxEqAndAccuracy() {
        Tensor logits = Tensor.of(new float[] {0.1f, 0.9f, 0.8f, 0.2f, 0.3f, 0.4f}, 3, 2);
        Tensor target = Tensor.ofInts(new int[] {1, 0, 0}, 3);
        assertArrayEquals(new int[] {1, 0, 1}, logits.argmax(1).toIntArray());
        assertEquals(2f / 3f, F.accuracy(logits, target), 1e-6f);
    }

    @Test
    void generatorIsDeterministicPerSeed() {
        assertArrayEquals(Tensor.randn(new Generator(3), 5).toFloatArray(), Tensor.randn(new Generator(3), 5).toFloatArray());
        int[] p = new Generator(1).permutation(10);
        int[] sorted = p.clone();
        java.util.Arrays.sort(sorted);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, sorted);
    }
}
