package io.sparkgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The backward pass hands consumed gradients back for reuse, and only those. */
class GradBuffersTest {

    /** An identity op whose backward records the gradient it was given and returns a fresh copy of it. */
    private static Tensor probe(Tensor x, List<Tensor> seen) {
        Tensor out = x.mul(1f).detach();
        return GradFn.of("probe", x).result(out, g -> {
            seen.add(g);
            return new Tensor[] {g.mul(1f)};
        });
    }

    @Test
    void aConsumedGradientIsReusedByTheNextPassAndItsOldHandleFails() {
        Tensor w = Tensor.vector(1f, 2f, 3f, 4f).requiresGrad(true);
        w.setGrad(Tensor.zeros(4));
        List<Tensor> seen = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            probe(w.mul(3f), seen).mul(2f).sum().backward();
        }
        // Each pass's incoming gradient of probe was consumed, so its memory went back and its handle is poisoned.
        for (Tensor g : seen) {
            IllegalStateException e = assertThrows(IllegalStateException.class, g::data);
            assertTrue(e.getMessage().contains("memory was reused"), e.getMessage());
        }
        assertArrayEquals(new float[] {18f, 18f, 18f, 18f}, w.grad().toFloatArray());
    }

    @Test
    void aNewSizeIsKeptEvenWhenEarlierWorkloadsFilledTheBound() {
        GradBuffers buffers = GradBuffers.current();
        // Earlier workloads' arrays: five sizes of 4 M floats, 20 M in all, past the 16 M floats a thread keeps.
        for (int k = 0; k < 5; k++) {
            buffers.give(new float[(4 << 20) + k]);
        }
        float[] fresh = new float[1_000_003];
        buffers.give(fresh);
        assertSame(fresh, buffers.storage(fresh.length, false).floats, "the older sizes made room for the new one");
        // Leave nothing big behind for the tests after this one on this thread.
        for (int k = 0; k < 5; k++) {
            buffers.storage((4 << 20) + k, false);
        }
    }

    @Test
    void aWarmPassDrawsTheSameArraysAsThePassBefore() {
        Tensor w = Tensor.vector(1f, 2f, 3f, 4f, 5f).requiresGrad(true);
        w.setGrad(Tensor.zeros(5));
        List<float[]> arrays = new ArrayList<>();
        Tensor out = w.mul(3f);
        Tensor probed = GradFn.of("probe", out).result(out.mul(1f).detach(), g -> {
            arrays.add(g.data());
            return new Tensor[] {g.mul(1f)};
        });
        // One graph, several passes (these ops keep what they saved): only the backward passes draw arrays.
        Tensor loss = probed.mul(2f).sum();
        for (int step = 0; step < 4; step++) {
            loss.backward();
        }
        assertSame(arrays.get(2), arrays.get(3), "a warm pass reuses the array of the pass before");
        assertArrayEquals(new float[] {24f, 24f, 24f, 24f, 24f}, w.grad().toFloatArray());
    }

    @Test
    void aGradientPassedOnToTwoInputsStaysUntilBothUsedIt() {
        // add's backward hands the same gradient to both inputs; the second must still read the right numbers.
        Tensor a = Tensor.vector(1f, 2f, 3f).requiresGrad(true);
        Tensor b = Tensor.vector(4f, 5f, 6f).requiresGrad(true);
        for (int step = 1; step <= 3; step++) {
            Tensor h = a.mul(2f).add(b.mul(3f));
            h.mul(h).mul(0.5f).sum().backward(); // d/da = 2h, d/db = 3h
            float[] hv = h.detach().toFloatArray();
            assertArrayEquals(new float[] {2f * hv[0] * step, 2f * hv[1] * step, 2f * hv[2] * step}, a.grad().toFloatArray(), 1e-4f);
            assertArrayEquals(new float[] {3f * hv[0] * step, 3f * hv[1] * step, 3f * hv[2] * step}, b.grad().toFloatArray(), 1e-4f);
        }
    }

    @Test
    void aLeafKeepsTheGradientItAdoptedThroughLaterPasses() {
        Tensor w = Tensor.vector(1f, 2f).requiresGrad(true);
        w.mul(2f).mul(5f).sum().backward();
        Tensor first = w.grad();
        float[] firstArray = first.data();
        for (int step = 0; step < 3; step++) {
            w.mul(2f).mul(5f).sum().backward();
        }
        assertSame(first, w.grad());
        assertSame(firstArray, w.grad().data());
        assertArrayEquals(new float[] {40f, 40f}, w.grad().toFloatArray());
        // The pool never hands the leaf's array to another tensor.
        assertNotSame(firstArray, Tensor.zeros(2).data());
    }

    @Test
    void outsideABackwardPassNothingIsMarkedForRecycling() {
        Tensor t = Tensor.zeros(3);
        assertTrue(!t.storage().recyclable);
        assertArrayEquals(new float[3], t.toFloatArray());
    }
}
