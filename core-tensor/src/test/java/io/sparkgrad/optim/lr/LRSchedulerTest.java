package io.sparkgrad.optim.lr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** StepLR and CosineAnnealingLR: PyTorch's values, the closed forms, chaining, state, validation. */
class LRSchedulerTest {

    private static Optimizer sgd(double lr) {
        return new SGD(List.of(Tensor.vector(1f).requiresGrad(true)), lr);
    }

    @Test
    void stepLrDecaysEveryStepSizeEpochs() {
        Optimizer opt = sgd(0.1);
        StepLR s = new StepLR(opt, 3, 0.1);
        assertEquals(0.1, s.lastLr());
        assertEquals(0, s.lastEpoch());
        double[] expected = {0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 1e-4};
        for (int e = 1; e <= expected.length; e++) {
            s.step();
            assertEquals(expected[e - 1], opt.lr(), 1e-15 * expected[e - 1], "epoch " + e);
            assertEquals(opt.lr(), s.lastLr());
            assertEquals(e, s.lastEpoch());
            assertEquals(s.closedFormLr(e), opt.lr(), 1e-15 * opt.lr(), "closed form at epoch " + e);
        }
    }

    @Test
    void cosineFollowsTheClosedFormThroughAndBeyondTMax() {
        Optimizer opt = sgd(0.5);
        CosineAnnealingLR s = new CosineAnnealingLR(opt, 10, 0.01);
        for (int e = 1; e <= 45; e++) {
            s.step();
            double closed = 0.01 + (0.5 - 0.01) * (1 + Math.cos(Math.PI * e / 10)) / 2;
            assertEquals(closed, opt.lr(), 1e-12, "epoch " + e);
            assertEquals(closed, s.closedFormLr(e), 1e-15, "closed form at epoch " + e);
        }
    }

    @Test
    void cosineHitsPyTorchsValues() {
        // torch.optim.lr_scheduler.CosineAnnealingLR(SGD(lr=1), T_max=4): 1, 0.8536, 0.5, 0.1464, 0, 0.1464, 0.5, 0.8536, 1
        double[] expected = {0.8535533905932737, 0.5, 0.14644660940672627, 0.0, 0.14644660940672627, 0.5, 0.8535533905932737, 1.0};
        Optimizer opt = sgd(1.0);
        CosineAnnealingLR s = new CosineAnnealingLR(opt, 4);
        for (int e = 1; e <= expected.length; e++) {
            s.step();
            assertEquals(expected[e - 1], s.lastLr(), 1e-15, "epoch " + e);
        }
    }

    @Test
    void chainingCarriesAManualChangeOfTheLearningRate() {
        Optimizer opt = sgd(1.0);
        StepLR s = new StepLR(opt, 2, 0.5);
        s.step();
        opt.setLr(0.4); // e.g. a warm-up rule or a user override
        s.step();
        assertEquals(0.2, opt.lr(), 1e-15);
        assertEquals(0.5, s.closedFormLr(2), 1e-15);
    }

    @Test
    void resumedSchedulerContinuesIdentically() {
        Optimizer a = sgd(0.3);
        CosineAnnealingLR straight = new CosineAnnealingLR(a, 7, 0.001);
        for (int e = 0; e < 4; e++) {
            straight.step();
        }
        LRScheduler.State saved = straight.stateDict();
        double savedLr = a.lr();
        for (int e = 0; e < 6; e++) {
            straight.step();
        }

        Optimizer b = sgd(99.0);
        CosineAnnealingLR resumed = new CosineAnnealingLR(b, 7, 0.001);
        b.setLr(savedLr); // restored with the optimizer's own state in a real checkpoint
        resumed.loadStateDict(saved);
        assertEquals(4, resumed.lastEpoch());
        assertEquals(0.3, resumed.baseLr());
        for (int e = 0; e < 6; e++) {
            resumed.step();
        }
        assertEquals(a.lr(), b.lr(), 0.0);
        assertEquals(straight.lastEpoch(), resumed.lastEpoch());
    }

    @Test
    void badSettingsAndForeignStateAreRefused() {
        assertMessage("StepLR step_size must be at least 1, got 0", () -> new StepLR(sgd(0.1), 0, 0.1));
        assertMessage("StepLR gamma must be finite and not negative, got NaN", () -> new StepLR(sgd(0.1), 1, Double.NaN));
        assertMessage("CosineAnnealingLR T_max must be at least 1, got 0", () -> new CosineAnnealingLR(sgd(0.1), 0));
        assertMessage("CosineAnnealingLR eta_min must be finite and not negative, got -1.0", () -> new CosineAnnealingLR(sgd(0.1), 5, -1));
        assertMessage("a learning-rate scheduler needs an optimizer", () -> new StepLR(null, 1, 0.1));
        LRScheduler.State cosine = new CosineAnnealingLR(sgd(0.1), 5).stateDict();
        assertMessage("cannot load CosineAnnealingLR state into this StepLR scheduler", () -> new StepLR(sgd(0.1), 1, 0.1).loadStateDict(cosine));
        assertMessage("StepLR state is invalid", () -> new StepLR(sgd(0.1), 1, 0.1).loadStateDict(new LRScheduler.State("StepLR", -1, 0.1, 0.1)));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
