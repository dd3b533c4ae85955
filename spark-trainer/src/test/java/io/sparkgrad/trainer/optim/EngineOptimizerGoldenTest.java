package io.sparkgrad.trainer.optim;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.golden.GoldenFolder;
import io.sparkgrad.trainer.DriverOptimizer;
import io.sparkgrad.optim.OptimizerState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The flat optimizers follow PyTorch 1.13's trajectories step by step: every {@code sgd_trajectory} and
 * {@code adam_trajectory} case of the golden folder (core-tensor's {@link GoldenFolder}: its bundled copy, or the folder
 * {@code -Dsparkgrad.golden.dir} names).
 */
class EngineOptimizerGoldenTest {

    private static final AtomicInteger FOLLOWED = new AtomicInteger();

    static List<Path> trajectoryFiles() {
        return GoldenFolder.locate().casesOf("sgd_trajectory", "adam_trajectory");
    }

    /** The trajectory cases' file names (the tests' display names). */
    static List<String> trajectories() {
        return trajectoryFiles().stream().map(p -> p.getFileName().toString()).toList();
    }

    @AfterAll
    static void everyTrajectoryCaseOfTheFolderWasFollowed() {
        assertEquals(trajectoryFiles().size(), FOLLOWED.get(), "trajectory cases followed out of those in " + GoldenFolder.locate().dir());
    }

    static float[] data(JsonNode tensor) {
        JsonNode d = tensor.get("data");
        float[] out = new float[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) d.get(i).asDouble();
        }
        return out;
    }

    static DriverOptimizer optimizerFor(JsonNode params) {
        String kind = params.get("optimizer").asText();
        if (kind.equals("sgd")) {
            return EngineOptimizer.sgd(params.get("lr").asDouble(), params.get("momentum").asDouble(), params.get("dampening").asDouble(),
                    params.get("weight_decay").asDouble(), params.get("nesterov").asBoolean());
        }
        return EngineOptimizer.adam(params.get("lr").asDouble(), params.get("betas").get(0).asDouble(), params.get("betas").get(1).asDouble(),
                params.get("eps").asDouble(), params.get("weight_decay").asDouble());
    }

    @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
    @MethodSource("trajectories")
    void followsPyTorchTrajectory(String file) {
        JsonNode g = GoldenFolder.readJson(GoldenFolder.locate().resolve(file));
        String name = g.get("name").asText();
        DriverOptimizer opt = optimizerFor(g.get("params"));
        float[] w = data(g.get("inputs").get("weight"));
        float[] b = data(g.get("inputs").get("bias"));
        int nw = w.length;
        int nb = b.length;
        float[] params = new float[nw + nb];
        System.arraycopy(w, 0, params, 0, nw);
        System.arraycopy(b, 0, params, nw, nb);
        float[] gw = data(g.get("outputs").get("grad_weight"));
        float[] gb = data(g.get("outputs").get("grad_bias"));
        float[] ew = data(g.get("outputs").get("weight"));
        float[] eb = data(g.get("outputs").get("bias"));
        double rel = g.get("tolerance").get("rel").asDouble();
        double abs = g.get("tolerance").get("abs").asDouble();
        int steps = g.get("params").get("steps").asInt();
        for (int s = 0; s < steps; s++) {
            float[] grad = new float[nw + nb];
            System.arraycopy(gw, s * nw, grad, 0, nw);
            System.arraycopy(gb, s * nb, grad, nw, nb);
            opt.step(params, grad);
            for (int i = 0; i < nw + nb; i++) {
                float expected = i < nw ? ew[s * nw + i] : eb[s * nb + i - nw];
                assertTrue(Math.abs(params[i] - expected) <= abs + rel * Math.abs(expected),
                        name + " step " + s + " parameter " + i + ": " + params[i] + " vs PyTorch " + expected);
            }
        }
        FOLLOWED.incrementAndGet();
    }

    @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
    @MethodSource("trajectories")
    void restoredStateContinuesTheSameTrajectory(String file) {
        JsonNode g = GoldenFolder.readJson(GoldenFolder.locate().resolve(file));
        int steps = g.get("params").get("steps").asInt();
        float[] grads = data(g.get("outputs").get("grad_weight"));
        int n = grads.length / steps;
        DriverOptimizer straight = optimizerFor(g.get("params"));
        DriverOptimizer first = optimizerFor(g.get("params"));
        float[] p1 = data(g.get("inputs").get("weight"));
        float[] p2 = p1.clone();
        for (int s = 0; s < steps; s++) {
            float[] grad = new float[n];
            System.arraycopy(grads, s * n, grad, 0, n);
            straight.step(p1, grad.clone());
            if (s < 2) {
                first.step(p2, grad.clone());
            } else {
                if (s == 2) {
                    OptimizerState st = first.state();
                    first = optimizerFor(g.get("params"));
                    first.restore(st);
                }
                first.step(p2, grad.clone());
            }
        }
        assertArrayEquals(p1, p2, 0f);
    }

    @Test
    void rejectsInvalidHyperparameters() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EngineOptimizer.sgd(0.1, 0, 0, 0, true));
        assertTrue(e.getMessage().contains("Nesterov"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EngineOptimizer.sgd(-1, 0, 0, 0, false)).getMessage()
                .contains("learning rate"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EngineOptimizer.adam(0.1, 1.0, 0.9, 1e-8, 0))
                .getMessage().contains("index 0"));
    }

    @Test
    void adamStateRecordsItsStepCount() {
        EngineOptimizer a = EngineOptimizer.adam(0.01);
        a.step(new float[] {1, 2}, new float[] {0.5f, -0.5f});
        a.step(new float[] {1, 2}, new float[] {0.5f, -0.5f});
        OptimizerState s = a.state();
        assertEquals(2L, s.steps().get("0.step"));
        assertEquals("Adam", s.optimizer());
        assertEquals(2, s.buffers().get("0.exp_avg").length);
        EngineOptimizer b = EngineOptimizer.adam(0.01);
        IllegalArgumentException wrongLr = assertThrows(IllegalArgumentException.class,
                () -> b.restore(new OptimizerState("Adam", java.util.Map.of("lr", 0.5), s.steps(), s.buffers())));
        assertTrue(wrongLr.getMessage().contains("hyperparameters"), wrongLr.getMessage());
        IllegalArgumentException wrongRule = assertThrows(IllegalArgumentException.class,
                () -> EngineOptimizer.sgdMomentum(0.01, 0.9).restore(s));
        assertTrue(wrongRule.getMessage().contains("Adam"), wrongRule.getMessage());
        EngineOptimizer c = EngineOptimizer.adam(0.01);
        c.restore(EngineOptimizer.adam(0.01).state());
        c.restore(s);
        float[] p1 = {1, 2};
        float[] p2 = {1, 2};
        a.step(p1, new float[] {0.5f, -0.5f});
        c.step(p2, new float[] {0.5f, -0.5f});
        assertArrayEquals(p1, p2, 0f);
    }
}
