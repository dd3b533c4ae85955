package io.sparkgrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SGD's rule step by step, its validation, factories, and how it treats gradients and storage. */
class SGDTest {

    private static Tensor param(float... values) {
        return Tensor.vector(values).requiresGrad(true);
    }

    private static void setGrad(Tensor p, float... g) {
        p.setGrad(Tensor.vector(g));
    }

    @Test
    void plainStepSubtractsLrTimesGrad() {
        Tensor p = param(1f, -2f);
        setGrad(p, 0.5f, 4f);
        new SGD(List.of(p), 0.1).step();
        assertArrayEquals(new float[] {1f - 0.1f * 0.5f, -2f - 0.1f * 4f}, p.toFloatArray());
    }

    @Test
    void momentumBufferIsTheRawGradientAtTheFirstStepThenDamped() {
        Tensor p = param(1f);
        SGD opt = SGD.builder(List.of(p)).lr(0.1).momentum(0.9).dampening(0.5).build();
        setGrad(p, 2f);
        opt.step(); // buf = 2 (no dampening at the first step), p = 1 - 0.2
        assertEquals(0.8f, p.item(), 1e-7f);
        assertArrayEquals(new float[] {2f}, opt.stateDict().buffers().get("0.momentum_buffer"));
        opt.step(); // buf = 0.9 * 2 + 0.5 * 2 = 2.8, p = 0.8 - 0.28
        assertEquals(0.52f, p.item(), 1e-6f);
        assertArrayEquals(new float[] {2.8f}, opt.stateDict().buffers().get("0.momentum_buffer"), 1e-6f);
    }

    @Test
    void nesterovLooksAheadAlongTheBuffer() {
        Tensor p = param(0f);
        SGD opt = SGD.nesterov(List.of(p), 1.0, 0.5);
        setGrad(p, 1f);
        opt.step(); // buf = 1, d = 1 + 0.5 * 1
        assertEquals(-1.5f, p.item(), 0f);
        opt.step(); // buf = 0.5 + 1 = 1.5, d = 1 + 0.75
        assertEquals(-3.25f, p.item(), 0f);
    }

    @Test
    void weightDecayAddsL2TermBeforeMomentum() {
        Tensor p = param(2f);
        SGD opt = new SGD(List.of(p), 0.1, 0, 0, 0.5, false);
        setGrad(p, 0f);
        opt.step(); // d = 0 + 0.5 * 2
        assertEquals(1.9f, p.item(), 1e-7f);
    }

    @Test
    void maximizeAscends() {
        Tensor p = param(0f);
        setGrad(p, 1f);
        SGD.builder(List.of(p)).lr(0.25).maximize(true).build().step();
        assertEquals(0.25f, p.item(), 0f);
    }

    @Test
    void factoriesMatchTheFullConstructor() {
        SGD m = SGD.momentum(List.of(param(1f)), 0.1, 0.9);
        assertEquals(0.1, m.lr());
        assertEquals(0.9, m.momentum());
        assertEquals(0.0, m.dampening());
        assertEquals(0.0, m.weightDecay());
        assertTrue(!m.nesterov());
        SGD n = SGD.nesterov(List.of(param(1f)), 0.1, 0.9);
        assertTrue(n.nesterov());
        assertEquals(0.9, n.momentum());
    }

    @Test
    void hyperparametersAreValidatedWithPyTorchsMessages() {
        List<Tensor> ps = List.of(param(1f));
        assertMessage("Invalid learning rate: -0.1", () -> new SGD(ps, -0.1));
        assertMessage("Invalid learning rate: NaN", () -> new SGD(ps, Double.NaN));
        assertMessage("Invalid momentum value: -0.5", () -> SGD.momentum(ps, 0.1, -0.5));
        assertMessage("Invalid weight_decay value: -1.0", () -> new SGD(ps, 0.1, 0, 0, -1, false));
        assertMessage("Invalid dampening value: Infinity", () -> new SGD(ps, 0.1, 0.9, Double.POSITIVE_INFINITY, 0, false));
        assertMessage("Nesterov momentum requires a momentum and zero dampening", () -> SGD.nesterov(ps, 0.1, 0));
        assertMessage("Nesterov momentum requires a momentum and zero dampening", () -> new SGD(ps, 0.1, 0.9, 0.1, 0, true));
        SGD ok = new SGD(ps, 0.1);
        assertMessage("Invalid learning rate: -1.0", () -> ok.setLr(-1));
        assertEquals(0.1, ok.lr());
    }

    @Test
    void parameterListIsValidated() {
        assertMessage("optimizer got an empty parameter list", () -> new SGD(List.of(), 0.1));
        Tensor p = param(1f);
        assertMessage("parameter 1 is the same tensor as parameter 0", () -> new SGD(List.of(p, p), 0.1));
        assertMessage("can't optimize a non-leaf Tensor (parameter 0", () -> new SGD(List.of(p.mul(2f)), 0.1));
        assertMessage("parameter 0 is INT32", () -> new SGD(List.of(Tensor.ofInts(new int[] {1}, 1)), 0.1));
    }

    @Test
    void parametersWithoutGradientAreSkippedAndGetNoState() {
        Tensor a = param(1f);
        Tensor b = param(5f);
        SGD opt = SGD.momentum(List.of(a, b), 0.1, 0.9);
        setGrad(a, 1f);
        opt.step();
        assertEquals(5f, b.item(), 0f);
        assertEquals(List.of("0.momentum_buffer"), List.copyOf(opt.stateDict().buffers().keySet()));
        assertEquals(List.of("0.step"), List.copyOf(opt.stateDict().steps().keySet()));
    }

    @Test
    void zeroGradZeroesInPlaceAndKeepsTheGradTensor() {
        float[] flatGrad = {3f, 4f};
        Tensor p = param(1f, 2f);
        Tensor g = Tensor.wrap(flatGrad, 0, 2);
        p.setGrad(g);
        new SGD(List.of(p), 0.1).zeroGrad();
        assertSame(g, p.grad());
        assertArrayEquals(new float[] {0f, 0f}, flatGrad);
    }

    @Test
    void setLrChangesTheNextStep() {
        Tensor p = param(0f);
        setGrad(p, 1f);
        SGD opt = new SGD(List.of(p), 1.0);
        opt.setLr(0.5);
        opt.step();
        assertEquals(-0.5f, p.item(), 0f);
    }

    @Test
    void aGraphThatSavedTheParameterRefusesBackwardAfterAStep() {
        Tensor p = param(1f, 2f);
        Tensor loss = p.mul(p).sum(); // saves p
        setGrad(p, 1f, 1f);
        new SGD(List.of(p), 0.1).step();
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("modified by an inplace operation"), e.getMessage());
    }

    @Test
    void aStridedParameterIsUpdatedThroughItsView() {
        float[] storage = {1f, 2f, 3f, 4f, 5f, 6f};
        Tensor p = Tensor.of(storage, 2, 3).t().requiresGrad(true); // [3, 2], not contiguous
        p.setGrad(Tensor.of(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 3, 2));
        new SGD(List.of(p), 1.0).step();
        // p = [[1,4],[2,5],[3,6]] - grad = [[0,2],[-1,1],[-2,0]]; storage holds its transpose.
        assertArrayEquals(new float[] {0f, -1f, -2f, 2f, 1f, 0f}, storage);
    }

    static void assertMessage(String expectedPart, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expectedPart), "message '" + e.getMessage() + "' lacks '" + expectedPart + "'");
    }
}
