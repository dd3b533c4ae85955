package io.sparkgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link Tensor#gradients}, as {@code torch.autograd.grad}: gradients handed back, leaves' grads left alone. */
class GradientsTest {

    @Test
    void givesWhatBackwardWouldAccumulateAndLeavesEveryGradAlone() {
        Tensor a = Tensor.vector(1f, 2f, 3f).requiresGrad(true);
        Tensor b = Tensor.vector(4f, 5f, 6f).requiresGrad(true);
        Tensor y = a.mul(b).add(a.mul(a)); // dy/da = b + 2a, dy/db = a
        Tensor up = Tensor.vector(1f, 10f, 100f);

        Tensor[] g = Tensor.gradients(y, up, b, a);

        assertArrayEquals(new float[] {1f, 20f, 300f}, g[0].toFloatArray());
        assertArrayEquals(new float[] {6f, 90f, 1200f}, g[1].toFloatArray());
        assertNull(a.grad());
        assertNull(b.grad());
        y.backward(up);
        assertArrayEquals(g[1].toFloatArray(), a.grad().toFloatArray());
        assertArrayEquals(g[0].toFloatArray(), b.grad().toFloatArray());
    }

    @Test
    void stopsAtAnIntermediateInputAndLeavesTheGraphBeforeItUsable() {
        Tensor w = Tensor.vector(2f, 3f).requiresGrad(true);
        Tensor h = w.mul(w); // an intermediate: what made it must survive for a later backward
        Tensor y = h.mul(5f);

        Tensor[] g = Tensor.gradients(y, Tensor.vector(1f, 1f), h);

        assertArrayEquals(new float[] {5f, 5f}, g[0].toFloatArray());
        assertNull(w.grad(), "the walk stopped at h: w was not reached");
        h.backward(Tensor.vector(1f, 1f));
        assertArrayEquals(new float[] {4f, 6f}, w.grad().toFloatArray());
    }

    /** What made an intermediate input keeps its saved activations, even ones a chain lets a backward pass free. */
    @Test
    void theGraphBeforeAnIntermediateInputKeepsItsSavedActivations() {
        Tensor w = Tensor.vector(1f, 2f).requiresGrad(true);
        Tensor a = w.mul(2f);
        Tensor h = a.mul(a); // saves a
        // As a module chain marks an activation only it consumed: freed when a backward pass through it ends.
        Intermediates.consumed(a, h);
        Tensor y = h.mul(3f);

        assertArrayEquals(new float[] {3f, 3f}, Tensor.gradients(y, Tensor.vector(1f, 1f), h)[0].toFloatArray());
        h.backward(Tensor.vector(1f, 1f));
        assertArrayEquals(new float[] {8f, 16f}, w.grad().toFloatArray(), "d/dw (2w)^2 = 8w");
    }

    @Test
    void anInputTheOutputDoesNotDependOnGetsNullAndARepeatedInputTheSameGradient() {
        Tensor a = Tensor.vector(1f, 2f).requiresGrad(true);
        Tensor unused = Tensor.vector(7f, 7f).requiresGrad(true);
        Tensor y = a.mul(3f);

        Tensor[] g = Tensor.gradients(y, Tensor.vector(1f, 1f), a, unused, a);

        assertArrayEquals(new float[] {3f, 3f}, g[0].toFloatArray());
        assertNull(g[1]);
        assertSame(g[0], g[2]);
    }

    @Test
    void theGradientsAreTheCallersAndSurviveLaterBackwardPasses() {
        Tensor w = Tensor.vector(1f, 2f, 3f, 4f).requiresGrad(true);
        Tensor[] g = Tensor.gradients(w.mul(w).mul(2f), Tensor.vector(1f, 1f, 1f, 1f), w);
        float[] kept = g[0].toFloatArray();
        // Backward passes that reuse their arrays must not write into what the caller holds.
        for (int i = 0; i < 3; i++) {
            w.mul(w).mul(9f).sum().backward();
        }
        assertArrayEquals(kept, g[0].toFloatArray());
        assertArrayEquals(new float[] {4f, 8f, 12f, 16f}, kept);
    }

    @Test
    void anInputThatNeedsNoGradientIsAClearError() {
        Tensor a = Tensor.vector(1f).requiresGrad(true);
        Tensor c = Tensor.vector(2f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.gradients(a.mul(c), Tensor.vector(1f), a, c));
        assertTrue(e.getMessage().contains("input 1 does not require grad"), e.getMessage());
    }

    @Test
    void theUpstreamMustHaveTheOutputsShape() {
        Tensor a = Tensor.vector(1f, 2f).requiresGrad(true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.gradients(a.mul(2f), Tensor.vector(1f), a));
        assertEquals("upstream gradient has shape [1] but the tensor has shape [2]", e.getMessage());
    }
}
