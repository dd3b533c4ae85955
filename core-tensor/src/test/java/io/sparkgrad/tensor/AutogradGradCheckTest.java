package io.sparkgrad.tensor;

import static io.sparkgrad.testing.GradCheck.EPS;
import static io.sparkgrad.testing.GradCheck.TOL;
import static io.sparkgrad.testing.GradCheck.check;
import static io.sparkgrad.testing.GradCheck.uniform;

import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Reduction;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Finite-difference checks of the backward rule of every differentiable op in the tensor package and the losses. */
class AutogradGradCheckTest {
    private final Generator g = new Generator(7);

    @Test
    void broadcastingArithmetic() {
        check(t -> t[0].add(t[1]), new Tensor[] {uniform(g, -1, 1, 3, 4), uniform(g, -1, 1, 4)}, EPS, TOL);
        check(t -> t[0].sub(t[1]), new Tensor[] {uniform(g, -1, 1, 2, 3, 4), uniform(g, -1, 1, 3, 1)}, EPS, TOL);
        check(t -> t[0].mul(t[1]), new Tensor[] {uniform(g, -1, 1, 3, 1), uniform(g, -1, 1, 1, 5)}, EPS, TOL);
        check(t -> t[0].div(t[1]), new Tensor[] {uniform(g, -1, 1, 4, 3), uniform(g, 1, 2, 3)}, EPS, TOL);
        check(t -> t[0].mul(3f).add(1f).neg().div(2f).sub(0.5f), new Tensor[] {uniform(g, -1, 1, 5)}, EPS, TOL);
    }

    @Test
    void unaryOps() {
        check(t -> t[0].exp(), new Tensor[] {uniform(g, -1, 1, 3, 4)}, EPS, TOL);
        check(t -> t[0].log(), new Tensor[] {uniform(g, 0.5f, 2, 3, 4)}, EPS, TOL);
        check(t -> t[0].sqrt(), new Tensor[] {uniform(g, 0.5f, 2, 3, 4)}, EPS, TOL);
        check(t -> t[0].pow(3f), new Tensor[] {uniform(g, -1, 1, 3, 4)}, EPS, TOL);
        check(t -> t[0].sigmoid(), new Tensor[] {uniform(g, -2, 2, 3, 4)}, EPS, TOL);
        check(t -> t[0].tanh(), new Tensor[] {uniform(g, -2, 2, 3, 4)}, EPS, TOL);
        check(t -> t[0].abs(), new Tensor[] {uniform(g, 0.1f, 1, 6)}, EPS, TOL);
        // ReLU away from its kink: values in (0.1, 1) and (-1, -0.1).
        check(t -> t[0].relu(), new Tensor[] {Tensor.of(new float[] {0.5f, -0.5f, 0.2f, -0.9f, 0.7f, -0.3f}, 2, 3)}, EPS, TOL);
    }

    @Test
    void matmulPlainTransposedAndBatched() {
        check(t -> t[0].matmul(t[1]), new Tensor[] {uniform(g, -1, 1, 3, 4), uniform(g, -1, 1, 4, 5)}, EPS, TOL);
        check(t -> t[0].matmul(t[1].t()), new Tensor[] {uniform(g, -1, 1, 3, 4), uniform(g, -1, 1, 5, 4)}, EPS, TOL);
        check(t -> t[0].t().matmul(t[1]), new Tensor[] {uniform(g, -1, 1, 4, 3), uniform(g, -1, 1, 4, 2)}, EPS, TOL);
        check(t -> t[0].matmul(t[1]), new Tensor[] {uniform(g, -1, 1, 2, 3, 4), uniform(g, -1, 1, 2, 4, 5)}, EPS, TOL);
        check(t -> t[0].matmul(t[1]), new Tensor[] {uniform(g, -1, 1, 2, 3, 4), uniform(g, -1, 1, 4, 2)}, EPS, TOL);
    }

    @Test
    void reductions() {
        check(t -> t[0].sum(), new Tensor[] {uniform(g, -1, 1, 3, 4)}, EPS, TOL);
        check(t -> t[0].sum(1, true), new Tensor[] {uniform(g, -1, 1, 3, 4, 2)}, EPS, TOL);
        check(t -> t[0].sum(0, false), new Tensor[] {uniform(g, -1, 1, 3, 4)}, EPS, TOL);
        check(t -> t[0].mean(-1, false), new Tensor[] {uniform(g, -1, 1, 3, 4)}, EPS, TOL);
        check(t -> t[0].mean(), new Tensor[] {uniform(g, -1, 1, 3, 4)}, EPS, TOL);
        check(t -> t[0].max(1, false), new Tensor[] {Tensor.of(new float[] {1, 5, 2, 9, 3, 4}, 2, 3)}, EPS, TOL);
    }

    @Test
    void viewsAndIndexing() {
        check(t -> t[0].view(4, 3).mul(t[0].view(4, 3)), new Tensor[] {uniform(g, -1, 1, 2, 6)}, EPS, TOL);
        check(t -> t[0].transpose(0, 1).contiguous().mul(2f), new Tensor[] {uniform(g, -1, 1, 2, 3)}, EPS, TOL);
        check(t -> t[0].permute(2, 0, 1).reshape(-1), new Tensor[] {uniform(g, -1, 1, 2, 3, 2)}, EPS, TOL);
        check(t -> t[0].narrow(1, 1, 2).exp(), new Tensor[] {uniform(g, -1, 1, 3, 4)}, EPS, TOL);
        check(t -> t[0].unsqueeze(1).squeeze(1).flatten(), new Tensor[] {uniform(g, -1, 1, 3, 4)}, EPS, TOL);
        Tensor index = Tensor.ofInts(new int[] {2, 0, 1, 1}, 4, 1);
        check(t -> t[0].gather(1, index), new Tensor[] {uniform(g, -1, 1, 4, 3)}, EPS, TOL);
        check(t -> t[0].indexSelect(new int[] {2, 0, 2}), new Tensor[] {uniform(g, -1, 1, 3, 2)}, EPS, TOL);
        check(t -> Tensor.cat(List.of(t[0], t[1]), 1), new Tensor[] {uniform(g, -1, 1, 2, 3), uniform(g, -1, 1, 2, 2)}, EPS, TOL);
        check(t -> Tensor.stack(List.of(t[0], t[1]), 0), new Tensor[] {uniform(g, -1, 1, 2, 3), uniform(g, -1, 1, 2, 3)}, EPS, TOL);
    }

    @Test
    void softmaxFamilyAndLosses() {
        Tensor target = Tensor.ofInts(new int[] {1, 0, 3, 2}, 4);
        check(t -> F.logSoftmax(t[0], 1), new Tensor[] {uniform(g, -2, 2, 4, 5)}, EPS, TOL);
        check(t -> F.logSoftmax(t[0], 0), new Tensor[] {uniform(g, -2, 2, 3, 2, 2)}, EPS, TOL);
        check(t -> F.softmax(t[0], 1), new Tensor[] {uniform(g, -2, 2, 4, 5)}, EPS, TOL);
        check(t -> F.nllLoss(t[0], target), new Tensor[] {uniform(g, -3, 0, 4, 5)}, EPS, TOL);
        check(t -> F.nllLoss(t[0], target, Reduction.NONE), new Tensor[] {uniform(g, -3, 0, 4, 5)}, EPS, TOL);
        check(t -> F.crossEntropy(t[0], target), new Tensor[] {uniform(g, -2, 2, 4, 5)}, EPS, TOL);
        check(t -> F.crossEntropy(t[0], target, Reduction.SUM), new Tensor[] {uniform(g, -2, 2, 4, 5)}, EPS, TOL);
        check(t -> F.mseLoss(t[0], t[1]), new Tensor[] {uniform(g, -1, 1, 3, 4), uniform(g, -1, 1, 3, 4)}, EPS, TOL);
        check(t -> F.linear(t[0], t[1], t[2]), new Tensor[] {uniform(g, -1, 1, 3, 4), uniform(g, -1, 1, 2, 4), uniform(g, -1, 1, 2)}, EPS, TOL);
        // A batch of any rank, a transposed (non-contiguous) input, no bias, and a bias that only broadcasts.
        check(t -> F.linear(t[0], t[1], null), new Tensor[] {uniform(g, -1, 1, 2, 3, 4), uniform(g, -1, 1, 5, 4)}, EPS, TOL);
        check(t -> F.linear(t[0].t(), t[1], t[2]), new Tensor[] {uniform(g, -1, 1, 4, 3), uniform(g, -1, 1, 2, 4), uniform(g, -1, 1, 2)}, EPS, TOL);
        check(t -> F.linear(t[0], t[1], t[2]), new Tensor[] {uniform(g, -1, 1, 3, 4), uniform(g, -1, 1, 2, 4), uniform(g, -1, 1, 1)}, EPS, TOL);
    }
}
