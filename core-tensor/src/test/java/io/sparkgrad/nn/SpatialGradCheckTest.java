package io.sparkgrad.nn;

import static io.sparkgrad.testing.GradCheck.EPS;
import static io.sparkgrad.testing.GradCheck.TOL;
import static io.sparkgrad.testing.GradCheck.check;
import static io.sparkgrad.testing.GradCheck.uniform;

import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Finite-difference checks of the backward rules of the spatial ops, dropout and batch norm. */
class SpatialGradCheckTest {
    private final Generator g = new Generator(11);

    @Test
    void conv2dPlainWithBias() {
        check(t -> F.conv2d(t[0], t[1], t[2]), new Tensor[] {uniform(g, -1, 1, 2, 2, 5, 4), uniform(g, -1, 1, 3, 2, 3, 2),
                uniform(g, -1, 1, 3)}, EPS, TOL);
    }

    @Test
    void conv2dStridePaddingUnevenPerAxis() {
        check(t -> F.conv2d(t[0], t[1], t[2], new int[] {2, 1}, new int[] {1, 2}, new int[] {1, 1}, 1),
                new Tensor[] {uniform(g, -1, 1, 2, 3, 7, 6), uniform(g, -1, 1, 2, 3, 3, 3), uniform(g, -1, 1, 2)}, EPS, TOL);
    }

    @Test
    void conv2dDilationWithoutBias() {
        check(t -> F.conv2d(t[0], t[1], null, new int[] {1, 2}, new int[] {2, 1}, new int[] {2, 3}, 1),
                new Tensor[] {uniform(g, -1, 1, 1, 2, 7, 8), uniform(g, -1, 1, 3, 2, 3, 2)}, EPS, TOL);
    }

    @Test
    void conv2dGroups() {
        // 4 input channels, 6 output channels, 2 groups: each output channel sees 2 input channels.
        check(t -> F.conv2d(t[0], t[1], t[2], new int[] {1}, new int[] {1}, new int[] {1}, 2),
                new Tensor[] {uniform(g, -1, 1, 2, 4, 4, 5), uniform(g, -1, 1, 6, 2, 3, 3), uniform(g, -1, 1, 6)}, EPS, TOL);
    }

    @Test
    void conv2dDepthwiseStrided() {
        check(t -> F.conv2d(t[0], t[1], null, new int[] {2}, new int[] {1}, new int[] {1}, 3),
                new Tensor[] {uniform(g, -1, 1, 1, 3, 6, 6), uniform(g, -1, 1, 3, 1, 3, 3)}, EPS, TOL);
    }

    @Test
    void conv2dUnbatchedInput() {
        check(t -> F.conv2d(t[0], t[1], t[2], 1, 1), new Tensor[] {uniform(g, -1, 1, 2, 4, 4), uniform(g, -1, 1, 3, 2, 3, 3),
                uniform(g, -1, 1, 3)}, EPS, TOL);
    }

    @Test
    void maxPool2dOverlappingWindowsWithPaddingAndDilation() {
        check(t -> F.maxPool2d(t[0], new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 1}, new int[] {1, 2}),
                new Tensor[] {distinct(2, 2, 7, 6)}, EPS, TOL);
        check(t -> F.maxPool2d(t[0], 2), new Tensor[] {distinct(1, 3, 4, 6)}, EPS, TOL);
    }

    @Test
    void avgPool2dWithPaddingAndOverlap() {
        check(t -> F.avgPool2d(t[0], new int[] {3, 3}, new int[] {2, 1}, new int[] {1, 1}), new Tensor[] {uniform(g, -1, 1, 2, 2, 6, 5)},
                EPS, TOL);
        check(t -> F.avgPool2d(t[0], 2), new Tensor[] {uniform(g, -1, 1, 1, 2, 5, 5)}, EPS, TOL);
    }

    @Test
    void adaptiveAvgPool2dOverlappingWindows() {
        // 5 -> 3 gives windows [0,2), [1,4), [3,5): the middle one overlaps both neighbours.
        check(t -> F.adaptiveAvgPool2d(t[0], 3, 3), new Tensor[] {uniform(g, -1, 1, 2, 2, 5, 5)}, EPS, TOL);
        check(t -> F.adaptiveAvgPool2d(t[0], 4, 2), new Tensor[] {uniform(g, -1, 1, 1, 2, 7, 3)}, EPS, TOL);
        check(t -> F.adaptiveAvgPool2d(t[0], 1), new Tensor[] {uniform(g, -1, 1, 2, 3, 4, 4)}, EPS, TOL);
    }

    @Test
    void batchNormTrainingThroughTheBatchStatistics() {
        check(t -> F.batchNorm(t[0], null, null, t[1], t[2], true, 0.1f, 1e-5f),
                new Tensor[] {uniform(g, -2, 2, 3, 2, 3, 2), uniform(g, 0.5f, 1.5f, 2), uniform(g, -1, 1, 2)}, EPS, 3e-2);
    }

    @Test
    void batchNormTrainingWithoutAffineOn2dInput() {
        check(t -> F.batchNorm(t[0], null, null, null, null, true, 0.1f, 1e-5f), new Tensor[] {uniform(g, -2, 2, 6, 3)}, EPS, 3e-2);
    }

    @Test
    void batchNormEvaluationUsesRunningStatistics() {
        Tensor rm = uniform(g, -0.5f, 0.5f, 3);
        Tensor rv = uniform(g, 0.5f, 2f, 3);
        check(t -> F.batchNorm(t[0], rm, rv, t[1], t[2], false, 0.1f, 1e-5f),
                new Tensor[] {uniform(g, -2, 2, 2, 3, 2, 2), uniform(g, 0.5f, 1.5f, 3), uniform(g, -1, 1, 3)}, EPS, TOL);
    }

    @Test
    void dropoutWithAFixedMask() {
        // A fresh generator with the same seed per call: every forward pass draws the same mask.
        check(t -> F.dropout(t[0], 0.4f, true, new Generator(5)), new Tensor[] {uniform(g, -1, 1, 4, 5)}, EPS, TOL);
    }

    @Test
    void flatten() {
        check(t -> F.flatten(t[0], 1, -1).mul(t[0].flatten(1, 2).flatten(1, -1)), new Tensor[] {uniform(g, -1, 1, 2, 3, 2, 2)}, EPS, TOL);
    }

    /** Values spaced 0.1 apart in random order, so every window's maximum is unique by more than the FD step. */
    private Tensor distinct(int... shape) {
        Tensor t = Tensor.zeros(shape);
        int[] perm = g.permutation(t.numel());
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = 0.1f * perm[i] - 0.05f * d.length;
        }
        return t;
    }
}
