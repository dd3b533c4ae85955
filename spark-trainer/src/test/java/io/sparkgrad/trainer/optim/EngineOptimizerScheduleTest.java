package io.sparkgrad.trainer.optim;

import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.optim.lr.CosineAnnealingLR;
import io.sparkgrad.optim.OptimizerState;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A cosine-annealed driver optimizer steps like core-tensor's optimizer with CosineAnnealingLR, and resumes its schedule. */
class EngineOptimizerScheduleTest {

    static final int N = 37;
    static final int T_MAX = 20;

    static float[][] gradients(int steps) {
        SplittableRandom r = new SplittableRandom(3);
        float[][] g = new float[steps][N];
        for (float[] row : g) {
            for (int i = 0; i < N; i++) {
                row[i] = (float) r.nextGaussian();
            }
        }
        return g;
    }

    static float[] start() {
        float[] p = new float[N];
        for (int i = 0; i < N; i++) {
            p[i] = (float) Math.sin(i);
        }
        return p;
    }

    @Test
    void followsCoreTensorsSchedulerSteppedAfterEveryStep() {
        float[][] g = gradients(27);
        // core-tensor alone: SGD with momentum, CosineAnnealingLR(T_max=20, eta_min=1e-3) stepped after each step
        // (past T_max the cosine rises again, as in PyTorch).
        float[] data = start();
        float[] grad = new float[N];
        Optimizer sgd = new SGD(java.util.List.of(Optimizer.flatParameter(data, grad)), 0.1, 0.9, 0, 0, false);
        CosineAnnealingLR sched = new CosineAnnealingLR(sgd, T_MAX, 1e-3);
        EngineOptimizer driver = EngineOptimizer.sgdMomentum(0.1, 0.9).withCosineAnnealing(T_MAX, 1e-3);
        float[] p = start();
        for (float[] step : g) {
            System.arraycopy(step, 0, grad, 0, N);
            sgd.step();
            sched.step();
            driver.step(p, step.clone());
        }
        for (int i = 0; i < N; i++) {
            assertEquals(data[i], p[i], 1e-6 * Math.max(1, Math.abs(data[i])), "parameter " + i);
        }
        // Without the schedule the same steps end elsewhere: the schedule did act.
        EngineOptimizer plain = EngineOptimizer.sgdMomentum(0.1, 0.9);
        float[] q = start();
        for (float[] step : g) {
            plain.step(q, step.clone());
        }
        assertTrue(Math.abs(q[0] - p[0]) > 1e-3, "scheduled " + p[0] + " vs constant rate " + q[0]);
    }

    @Test
    void aRestoredOptimizerContinuesTheScheduleBitForBit() {
        float[][] g = gradients(25);
        EngineOptimizer whole = EngineOptimizer.adam(1e-2).withCosineAnnealing(T_MAX, 0);
        float[] p = start();
        for (float[] step : g) {
            whole.step(p, step.clone());
        }
        EngineOptimizer first = EngineOptimizer.adam(1e-2).withCosineAnnealing(T_MAX, 0);
        float[] q = start();
        for (int s = 0; s < 11; s++) {
            first.step(q, g[s].clone());
        }
        OptimizerState saved = first.state();
        assertEquals(11L, saved.steps().get("0.step"));
        EngineOptimizer resumed = EngineOptimizer.adam(1e-2).withCosineAnnealing(T_MAX, 0);
        resumed.restore(saved);
        for (int s = 11; s < g.length; s++) {
            resumed.step(q, g[s].clone());
        }
        assertArrayEquals(p, q, 0f);
        // Restoring the empty state of a fresh optimizer starts the schedule over.
        resumed.restore(EngineOptimizer.adam(1e-2).withCosineAnnealing(T_MAX, 0).state());
        float[] r = start();
        for (float[] step : g) {
            resumed.step(r, step.clone());
        }
        assertArrayEquals(p, r, 0f);
    }

    @Test
    void theScheduleIsPartOfTheConfigurationAndIsCheckedEarly() {
        EngineOptimizer o = EngineOptimizer.sgdMomentum(0.1, 0.9).withCosineAnnealing(100, 0);
        assertEquals(Map.of("name", "cosine_annealing", "T_max", 100, "eta_min", 0.0), o.config().get("lr_schedule"));
        assertEquals(0.1, o.config().get("lr"));
        assertThrows(IllegalArgumentException.class, () -> EngineOptimizer.adam(1e-3).withCosineAnnealing(0, 0));
        assertThrows(IllegalArgumentException.class, () -> EngineOptimizer.adam(1e-3).withCosineAnnealing(10, -1));
        assertThrows(IllegalArgumentException.class, () -> o.withCosineAnnealing(10, 0));

        EngineOptimizer scheduled = EngineOptimizer.sgdMomentum(0.1, 0.9).withCosineAnnealing(10, 0);
        float[] p = start();
        for (float[] g : gradients(3)) {
            scheduled.step(p, g);
        }
        EngineOptimizer unscheduled = EngineOptimizer.sgdMomentum(0.1, 0.9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            unscheduled.step(start(), gradients(1)[0]);
            unscheduled.restore(scheduled.state());
        });
        assertTrue(e.getMessage().contains("schedule"), e.getMessage());
    }

    @Test
    void aScheduleOverTheRunStepsOnlyOnceSizedAndThenAsACountedLength() {
        EngineOptimizer overRun = EngineOptimizer.adam(1e-2).withCosineAnnealingOverRun(0);
        assertEquals(Map.of("name", "cosine_annealing", "T_max", "run", "eta_min", 0.0), overRun.config().get("lr_schedule"));
        IllegalStateException unsized = assertThrows(IllegalStateException.class, () -> overRun.step(start(), gradients(1)[0]));
        assertTrue(unsized.getMessage().contains("spans the whole run") && unsized.getMessage().contains("forRun"), unsized.getMessage());
        assertEquals(overRun.config(), overRun.copy().config(), "a copy is still unsized");

        EngineOptimizer sized = overRun.forRun(T_MAX);
        assertEquals(Map.of("name", "cosine_annealing", "T_max", T_MAX, "eta_min", 0.0), sized.config().get("lr_schedule"));
        assertEquals(EngineOptimizer.adam(1e-2).withCosineAnnealing(T_MAX, 0).config(), sized.config());
        EngineOptimizer counted = EngineOptimizer.adam(1e-2).withCosineAnnealing(T_MAX, 0);
        float[] p = start();
        float[] q = start();
        for (float[] g : gradients(25)) {
            sized.step(p, g.clone());
            counted.step(q, g.clone());
        }
        assertArrayEquals(q, p, 0f);
        assertSame(sized, sized.forRun(99), "a sized schedule keeps its length");
        EngineOptimizer constant = EngineOptimizer.adam(1e-2);
        assertSame(constant, constant.forRun(99));

        assertThrows(IllegalArgumentException.class, () -> overRun.forRun(0));
        assertThrows(IllegalArgumentException.class, () -> EngineOptimizer.adam(1e-3).withCosineAnnealingOverRun(-1));
        assertThrows(IllegalArgumentException.class, () -> overRun.withCosineAnnealing(10, 0));
        assertThrows(IllegalArgumentException.class, () -> counted.withCosineAnnealingOverRun(0));
    }
}
