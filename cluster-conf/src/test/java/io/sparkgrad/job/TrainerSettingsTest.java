package io.sparkgrad.job;

import io.sparkgrad.conf.JobConfigLoader;
import io.sparkgrad.conf.OptimizerConfig;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class TrainerSettingsTest {

    @Test
    void theDefaultCosineScheduleEndsAtMinLrOnTheRunsLastStep() {
        OptimizerConfig o = new JobConfigLoader().set("optimizer.minLr=0.0001").load().config().optimizer();
        EngineOptimizer opt = TrainerSettings.optimizer(o).forRun(10);
        assertEquals(Map.of("name", "cosine_annealing", "T_max", 10, "eta_min", 1e-4), opt.config().get("lr_schedule"));
        // Drive the schedule: Adam's first step moves each parameter by about lr, whatever the gradient's size.
        float[] p = {0f};
        float[] g = {1f};
        double[] moved = new double[10];
        for (int s = 0; s < 10; s++) {
            float before = p[0];
            opt.step(p, g);
            moved[s] = before - p[0];
        }
        assertEquals(4e-3, moved[0], 1e-6, "step 1 at lr");
        // After step 9 the rate is eta_min + (lr - eta_min)(1 + cos(9 pi / 10)) / 2.
        double lr10 = 1e-4 + (4e-3 - 1e-4) * (1 + Math.cos(Math.PI * 9 / 10)) / 2;
        assertEquals(lr10, moved[9], 2e-6, "step 10 near minLr");
    }

    @Test
    void aConstantScheduleAddsNone() {
        OptimizerConfig o = new JobConfigLoader().set("optimizer.schedule=constant").load().config().optimizer();
        assertFalse(TrainerSettings.optimizer(o).forRun(10).config().containsKey("lr_schedule"));
    }
}
