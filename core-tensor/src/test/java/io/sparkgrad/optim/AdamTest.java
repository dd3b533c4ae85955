package io.sparkgrad.optim;

import static io.sparkgrad.optim.SGDTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Adam and AdamW against their formulas evaluated in double, plus validation and defaults. */
class AdamTest {

    private static final float[] P0 = {0.5f, -1.25f, 2f};
    /** One gradient per step; shrinking magnitudes make amsgrad's running maximum matter. */
    private static final float[][] GRADS = {{0.3f, -0.7f, 1.1f}, {0.05f, 0.2f, -0.4f}, {-0.01f, 0.02f, 0.03f}, {0.2f, -0.1f, 0.0f}};

    private static float[] run(Optimizer opt, Tensor p) {
        for (float[] g : GRADS) {
            p.setGrad(Tensor.vector(g));
            opt.step();
        }
        return p.toFloatArray();
    }

    /** The update rule in double: decoupled selects AdamW's decay, else weight decay is an L2 term. */
    private static double[] reference(double lr, double b1, double b2, double eps, double wd, boolean amsgrad, boolean decoupled) {
        double[] p = new double[P0.length];
        double[] m = new double[P0.length];
        double[] v = new double[P0.length];
        double[] vmax = new double[P0.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = P0[i];
        }
        for (int t = 1; t <= GRADS.length; t++) {
            for (int i = 0; i < p.length; i++) {
                double g = GRADS[t - 1][i];
                if (decoupled) {
                    p[i] *= 1 - lr * wd;
                } else {
                    g += wd * p[i];
                }
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                vmax[i] = Math.max(vmax[i], v[i]);
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double vHat = (amsgrad ? vmax[i] : v[i]) / (1 - Math.pow(b2, t));
                p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
        }
        return p;
    }

    private static void assertClose(double[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6 + 1e-5 * Math.abs(expected[i]), "element " + i);
        }
    }

    @Test
    void adamWAppliesDecoupledDecayAsItsFormula() {
        Tensor p = Tensor.vector(P0).requiresGrad(true);
        float[] got = run(new AdamW(List.of(p), 0.05, 0.9, 0.999, 1e-8, 0.3), p);
        assertClose(reference(0.05, 0.9, 0.999, 1e-8, 0.3, false, true), got);
        // The L2 form gives a measurably different trajectory, so the test above can tell them apart.
        double[] l2 = reference(0.05, 0.9, 0.999, 1e-8, 0.3, false, false);
        double maxDiff = 0;
        for (int i = 0; i < l2.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(l2[i] - got[i]));
        }
        assertTrue(maxDiff > 1e-3, "AdamW and Adam-with-L2 should differ, max difference " + maxDiff);
    }

    @Test
    void adamWithL2WeightDecayMatchesItsFormula() {
        Tensor p = Tensor.vector(P0).requiresGrad(true);
        float[] got = run(new Adam(List.of(p), 0.05, 0.8, 0.99, 1e-6, 0.3), p);
        assertClose(reference(0.05, 0.8, 0.99, 1e-6, 0.3, false, false), got);
    }

    @Test
    void amsgradUsesTheRunningMaximumOfTheSecondMoment() {
        Tensor p = Tensor.vector(P0).requiresGrad(true);
        Adam opt = Adam.builder(List.of(p)).lr(0.05).betas(0.9, 0.9).amsgrad(true).build();
        float[] got = run(opt, p);
        assertClose(reference(0.05, 0.9, 0.9, 1e-8, 0, true, false), got);
        double[] plain = reference(0.05, 0.9, 0.9, 1e-8, 0, false, false);
        assertTrue(Math.abs(plain[0] - got[0]) > 1e-4, "amsgrad should change this trajectory");
        assertEquals(List.of("0.exp_avg", "0.exp_avg_sq", "0.max_exp_avg_sq"), List.copyOf(opt.stateDict().buffers().keySet()));
    }

    @Test
    void maximizeEqualsMinimizingTheNegatedGradientBitForBit() {
        Tensor a = Tensor.vector(P0).requiresGrad(true);
        Tensor b = Tensor.vector(P0).requiresGrad(true);
        Adam max = Adam.builder(List.of(a)).lr(0.05).maximize(true).build();
        Adam min = Adam.builder(List.of(b)).lr(0.05).build();
        for (float[] g : GRADS) {
            a.setGrad(Tensor.vector(g));
            b.setGrad(Tensor.vector(g).neg());
            max.step();
            min.step();
        }
        assertArrayEquals(b.toFloatArray(), a.toFloatArray());
    }

    @Test
    void defaultsAreTorchs() {
        Adam adam = new Adam(List.of(Tensor.vector(1f)), 1e-3);
        assertEquals(0.9, adam.beta1());
        assertEquals(0.999, adam.beta2());
        assertEquals(1e-8, adam.eps());
        assertEquals(0.0, adam.weightDecay());
        assertFalse(adam.decoupledWeightDecay());
        AdamW adamW = new AdamW(List.of(Tensor.vector(1f)), 1e-3);
        assertEquals(0.01, adamW.weightDecay());
        assertTrue(adamW.decoupledWeightDecay());
        AdamW built = AdamW.builder(List.of(Tensor.vector(1f))).build();
        assertEquals(0.01, built.weightDecay());
        assertEquals(1e-3, built.lr());
        assertInstanceOf(Adam.class, Adam.builder(List.of(Tensor.vector(1f))).build());
        assertEquals("AdamW", built.stateDict().optimizer());
    }

    @Test
    void hyperparametersAreValidatedWithPyTorchsMessages() {
        List<Tensor> ps = List.of(Tensor.vector(1f));
        assertMessage("Invalid learning rate: -1.0", () -> new Adam(ps, -1));
        assertMessage("Invalid epsilon value: -1.0E-8", () -> new Adam(ps, 1e-3, 0.9, 0.999, -1e-8, 0));
        assertMessage("Invalid beta parameter at index 0: 1.0", () -> new Adam(ps, 1e-3, 1.0, 0.999, 1e-8, 0));
        assertMessage("Invalid beta parameter at index 1: -0.1", () -> new AdamW(ps, 1e-3, 0.9, -0.1, 1e-8, 0));
        assertMessage("Invalid weight_decay value: -0.01", () -> AdamW.builder(ps).weightDecay(-0.01).build());
    }

    @Test
    void adamWStateDoesNotLoadIntoAdam() {
        Tensor p = Tensor.vector(1f).requiresGrad(true);
        AdamW w = new AdamW(List.of(p), 1e-3);
        p.setGrad(Tensor.vector(1f));
        w.step();
        assertMessage("cannot load AdamW state into this Adam optimizer", () -> new Adam(List.of(p), 1e-3).loadStateDict(w.stateDict()));
    }
}
