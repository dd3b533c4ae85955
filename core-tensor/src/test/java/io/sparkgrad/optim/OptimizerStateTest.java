package io.sparkgrad.optim;

import static io.sparkgrad.optim.SGDTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import io.sparkgrad.tensor.Tensor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What stateDict captures, that it is a snapshot, and that loadStateDict checks everything before changing anything. */
class OptimizerStateTest {

    private static Tensor w() {
        return Tensor.of(new float[] {1f, 2f, 3f, 4f}, 2, 2).requiresGrad(true);
    }

    private static Tensor b() {
        return Tensor.vector(0.5f, -0.5f).requiresGrad(true);
    }

    private static void stepWithGrads(Optimizer opt, float scale) {
        for (Tensor p : opt.params()) {
            float[] g = new float[p.numel()];
            for (int i = 0; i < g.length; i++) {
                g[i] = scale * (i + 1);
            }
            p.setGrad(Tensor.of(g, p.shape()));
        }
        opt.step();
    }

    private static Adam steppedAdam() {
        Adam opt = Adam.builder(List.of(w(), b())).lr(0.1).weightDecay(0.01).build();
        stepWithGrads(opt, 1f);
        stepWithGrads(opt, -0.5f);
        return opt;
    }

    @Test
    void capturesHyperparametersStepsAndBuffersUnderPyTorchsNames() {
        OptimizerState s = steppedAdam().stateDict();
        assertEquals("Adam", s.optimizer());
        assertEquals(Map.of("lr", 0.1, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weight_decay", 0.01, "amsgrad", 0.0, "maximize", 0.0),
                s.hyperparameters());
        assertEquals(Map.of("0.step", 2L, "1.step", 2L), s.steps());
        assertEquals(List.of("0.exp_avg", "0.exp_avg_sq", "1.exp_avg", "1.exp_avg_sq"), List.copyOf(s.buffers().keySet()));
        assertEquals(4, s.buffers().get("0.exp_avg").length);
        assertEquals(2, s.buffers().get("1.exp_avg_sq").length);

        SGD sgd = new SGD(List.of(w()), 0.2, 0.9, 0.1, 0.0, false);
        assertEquals(Map.of("lr", 0.2, "momentum", 0.9, "dampening", 0.1, "weight_decay", 0.0, "nesterov", 0.0, "maximize", 0.0),
                sgd.stateDict().hyperparameters());
        assertEquals(Map.of(), sgd.stateDict().buffers());
    }

    @Test
    void stateDictIsASnapshotAndLoadCopiesIn() {
        Adam opt = steppedAdam();
        OptimizerState s = opt.stateDict();
        float[] before = s.buffers().get("0.exp_avg").clone();
        stepWithGrads(opt, 3f);
        assertArrayEquals(before, s.buffers().get("0.exp_avg"));

        Adam other = Adam.builder(List.of(w(), b())).build();
        other.loadStateDict(s);
        s.buffers().get("0.exp_avg")[0] = 1234f;
        assertArrayEquals(before, other.stateDict().buffers().get("0.exp_avg"));
        assertNotSame(other.stateDict().buffers().get("0.exp_avg"), other.stateDict().buffers().get("0.exp_avg"));
    }

    @Test
    void loadRestoresHyperparametersIncludingLr() {
        Adam opt = steppedAdam();
        Adam other = Adam.builder(List.of(w(), b())).lr(0.9).betas(0.5, 0.6).eps(0.1).amsgrad(true).build();
        other.loadStateDict(opt.stateDict());
        assertEquals(0.1, other.lr());
        assertEquals(0.9, other.beta1());
        assertEquals(0.999, other.beta2());
        assertEquals(1e-8, other.eps());
        assertEquals(0.01, other.weightDecay());
        assertEquals(false, other.amsgrad());
    }

    @Test
    void plainDataRoundTripKeepsEveryBitAndStepCount() {
        OptimizerState s = steppedAdam().stateDict();
        OptimizerState back = OptimizerState.fromTensors(s.tensors(), s.metadata());
        assertEquals(s.optimizer(), back.optimizer());
        assertEquals(s.hyperparameters(), back.hyperparameters());
        assertEquals(s.steps(), back.steps());
        assertEquals(s.buffers().keySet(), back.buffers().keySet());
        s.buffers().forEach((k, v) -> assertArrayEquals(v, back.buffers().get(k), k));
        assertEquals("0.1", s.metadata().get("hp.lr"));
        assertEquals("2", s.metadata().get("step.1.step"));
    }

    @Test
    void fromTensorsRejectsIncompleteOrUnknownMetadata() {
        assertMessage("has no 'optimizer' entry", () -> OptimizerState.fromTensors(Map.of(), Map.of("hp.lr", "0.1")));
        assertMessage("unknown key 'lr'", () -> OptimizerState.fromTensors(Map.of(), Map.of("optimizer", "SGD", "lr", "0.1")));
        assertMessage("'hp.lr' = 'fast' is not a number", () -> OptimizerState.fromTensors(Map.of(), Map.of("optimizer", "SGD", "hp.lr", "fast")));
        assertMessage("buffer '0.exp_avg' must be FLOAT32",
                () -> OptimizerState.fromTensors(Map.of("0.exp_avg", Tensor.ofInts(new int[] {1}, 1)), Map.of("optimizer", "Adam")));
    }

    /** A stepped Adam's state with one change applied. */
    private static OptimizerState edited(java.util.function.Consumer<Edit> change) {
        OptimizerState s = steppedAdam().stateDict();
        Edit e = new Edit(new LinkedHashMap<>(s.hyperparameters()), new LinkedHashMap<>(s.steps()), new LinkedHashMap<>(s.buffers()));
        change.accept(e);
        return new OptimizerState(s.optimizer(), e.hyper, e.steps, e.buffers);
    }

    private record Edit(Map<String, Double> hyper, Map<String, Long> steps, Map<String, float[]> buffers) {
    }

    @Test
    void loadNamesWhatIsWrong() {
        assertMessage("wrong hyperparameters: missing [eps], unexpected []", () -> load(edited(e -> e.hyper.remove("eps"))));
        assertMessage("missing [], unexpected [momentum]", () -> load(edited(e -> e.hyper.put("momentum", 0.9))));
        assertMessage("Invalid beta parameter at index 1: 1.5", () -> load(edited(e -> e.hyper.put("beta2", 1.5))));
        assertMessage("Invalid learning rate: -1.0", () -> load(edited(e -> e.hyper.put("lr", -1.0))));
        assertMessage("'amsgrad' is a flag and must be 0 or 1, got 0.5", () -> load(edited(e -> e.hyper.put("amsgrad", 0.5))));
        assertMessage("buffer '1.exp_avg' has 3 elements but parameter 1 has 2", () -> load(edited(e -> e.buffers.put("1.exp_avg", new float[3]))));
        assertMessage("unexpected buffer '0.momentum_buffer'", () -> load(edited(e -> e.buffers.put("0.momentum_buffer", new float[4]))));
        assertMessage("lacks buffer '0.exp_avg_sq'", () -> load(edited(e -> e.buffers.remove("0.exp_avg_sq"))));
        assertMessage("lacks buffer '0.max_exp_avg_sq'", () -> load(edited(e -> e.hyper.put("amsgrad", 1.0))));
        assertMessage("has buffer '1.exp_avg' but no step count '1.step'", () -> load(edited(e -> e.steps.remove("1.step"))));
        assertMessage("key '2.exp_avg' does not start with a parameter index in [0, 2)", () -> load(edited(e -> e.buffers.put("2.exp_avg", new float[1]))));
        assertMessage("'0.step' = 0; a stored step count is at least 1", () -> load(edited(e -> e.steps.put("0.step", 0L))));
        assertMessage("unknown step key '0.steps'", () -> load(edited(e -> e.steps.put("0.steps", 1L))));
    }

    private static void load(OptimizerState s) {
        Adam.builder(List.of(w(), b())).build().loadStateDict(s);
    }

    @Test
    void aFailedLoadChangesNothing() {
        Adam opt = steppedAdam();
        OptimizerState before = opt.stateDict();
        OptimizerState bad = edited(e -> {
            e.hyper.put("amsgrad", 1.0); // would change the buffer layout ...
            e.hyper.put("lr", 0.7);
            e.buffers.put("1.exp_avg", new float[5]); // ... but a buffer is wrong
        });
        assertMessage("has 5 elements", () -> opt.loadStateDict(bad));
        OptimizerState after = opt.stateDict();
        assertEquals(before.hyperparameters(), after.hyperparameters());
        assertEquals(before.steps(), after.steps());
        Map<String, float[]> a = new HashMap<>(after.buffers());
        before.buffers().forEach((k, v) -> assertArrayEquals(v, a.get(k), k));
        assertEquals(before.buffers().keySet(), a.keySet());
    }

    @Test
    void stateRecordRejectsMissingValues() {
        Map<String, Double> hyper = new HashMap<>();
        hyper.put("lr", null);
        assertMessage("hyperparameter 'lr' has no value", () -> new OptimizerState("SGD", hyper, Map.of(), Map.of()));
        assertMessage("needs the optimizer's name", () -> new OptimizerState("", Map.of(), Map.of(), Map.of()));
    }
}
