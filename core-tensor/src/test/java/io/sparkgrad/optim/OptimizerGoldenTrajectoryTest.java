package io.sparkgrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.golden.GoldenFolder;
import io.sparkgrad.nn.F;
import io.sparkgrad.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SGD and Adam against PyTorch 1.13.1's optimizer trajectories: a linear model {@code mse_loss(X @ W^T + b, Y)}
 * trained for a few steps, checking the loss, both gradients and both parameters after every step.
 */
class OptimizerGoldenTrajectoryTest {

    private static final Set<String> SGD_KEYS = Set.of("optimizer", "lr", "momentum", "dampening", "nesterov", "weight_decay", "steps",
            "problem");
    private static final Set<String> ADAM_KEYS = Set.of("optimizer", "lr", "betas", "eps", "weight_decay", "amsgrad", "steps", "problem");

    private static final AtomicInteger REPRODUCED = new AtomicInteger();

    static List<Path> cases() {
        return GoldenTrajectory.files();
    }

    /**
     * Every trajectory case of the folder is an SGD or Adam case this test understands, and every one ran: counted
     * against the folder read, whatever number of each kind it holds (none included).
     */
    @Test
    void everyTrajectoryCaseOfTheFolderIsAnSgdOrAdamCase() {
        GoldenFolder folder = GoldenFolder.locate();
        List<Path> files = cases();
        for (Map.Entry<String, Integer> e : folder.countsByOp().entrySet()) {
            assertTrue(!e.getKey().endsWith("_trajectory") || e.getKey().equals(GoldenTrajectory.SGD_OP)
                    || e.getKey().equals(GoldenTrajectory.ADAM_OP), folder.dir() + " holds " + e.getValue() + " cases of the unknown"
                    + " optimizer trajectory op '" + e.getKey() + "'");
        }
        int sgd = folder.countsByOp().getOrDefault(GoldenTrajectory.SGD_OP, 0);
        int adam = folder.countsByOp().getOrDefault(GoldenTrajectory.ADAM_OP, 0);
        assertEquals(sgd + adam, files.size());
        for (Path f : files) {
            GoldenTrajectory c = GoldenTrajectory.read(f);
            String kind = c.params().path("optimizer").asText();
            assertEquals(c.op().equals(GoldenTrajectory.SGD_OP) ? "sgd" : "adam", kind, f + ": op " + c.op() + " with optimizer '" + kind + "'");
        }
        System.out.println("OptimizerGoldenTrajectoryTest: " + sgd + " SGD and " + adam + " Adam trajectories in " + folder.dir());
    }

    @AfterAll
    static void everyTrajectoryCaseRan() {
        assertEquals(cases().size(), REPRODUCED.get(), "trajectory cases reproduced out of those in " + GoldenFolder.locate().dir());
    }

    @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
    @MethodSource("cases")
    void reproducesLossGradientsAndParametersAtEveryStep(Path file) {
        GoldenTrajectory c = GoldenTrajectory.read(file);
        Problem p = Problem.of(c);
        Optimizer opt = optimizerFor(c, p.params());
        for (int s = 0; s < c.steps(); s++) {
            opt.zeroGrad();
            Tensor loss = p.loss();
            c.assertClose(c.outputAtStep("loss", s), loss, "loss at step " + s);
            loss.backward();
            c.assertClose(c.outputAtStep("grad_weight", s), p.weight.grad(), "grad_weight at step " + s);
            c.assertClose(c.outputAtStep("grad_bias", s), p.bias.grad(), "grad_bias at step " + s);
            opt.step();
            c.assertClose(c.outputAtStep("weight", s), p.weight, "weight after step " + s);
            c.assertClose(c.outputAtStep("bias", s), p.bias, "bias after step " + s);
        }
        REPRODUCED.incrementAndGet();
    }

    @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
    @MethodSource("cases")
    void resumingFromAStateDictMidTrajectoryContinuesBitForBit(Path file) {
        GoldenTrajectory c = GoldenTrajectory.read(file);
        int total = c.steps() + 3;
        int cut = 2;

        Problem straight = Problem.of(c);
        Optimizer straightOpt = optimizerFor(c, straight.params());
        for (int s = 0; s < total; s++) {
            straight.trainStep(straightOpt);
        }

        Problem first = Problem.of(c);
        Optimizer firstOpt = optimizerFor(c, first.params());
        for (int s = 0; s < cut; s++) {
            first.trainStep(firstOpt);
        }
        OptimizerState saved = firstOpt.stateDict();
        float[] savedWeight = first.weight.toFloatArray();
        float[] savedBias = first.bias.toFloatArray();
        // Training on after the snapshot must not change it.
        first.trainStep(firstOpt);

        // A fresh process: new parameters from the checkpointed values, a new optimizer with other settings.
        Problem resumed = Problem.of(c);
        resumed.weight.detach().copy_(Tensor.of(savedWeight, resumed.weight.shape()));
        resumed.bias.detach().copy_(Tensor.of(savedBias, resumed.bias.shape()));
        Optimizer resumedOpt = freshOptimizerLike(c, resumed.params());
        resumedOpt.loadStateDict(saved);
        for (int s = cut; s < total; s++) {
            resumed.trainStep(resumedOpt);
        }
        assertArrayEquals(straight.weight.toFloatArray(), resumed.weight.toFloatArray(), c.name() + ": weight after resuming");
        assertArrayEquals(straight.bias.toFloatArray(), resumed.bias.toFloatArray(), c.name() + ": bias after resuming");
        assertEquals(straightOpt.stateDict().steps(), resumedOpt.stateDict().steps());
    }

    /** The optimizer a case describes, failing on any setting this test does not understand. */
    static Optimizer optimizerFor(GoldenTrajectory c, List<Tensor> params) {
        JsonNode p = c.params();
        String kind = p.get("optimizer").asText();
        Set<String> keys = new TreeSet<>();
        for (Iterator<String> it = p.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        double lr = p.get("lr").asDouble();
        double wd = p.get("weight_decay").asDouble();
        if (kind.equals("sgd")) {
            assertTrue(SGD_KEYS.containsAll(keys), c.name() + ": unknown SGD settings in " + keys);
            return SGD.builder(params).lr(lr).momentum(p.get("momentum").asDouble()).dampening(p.get("dampening").asDouble())
                    .weightDecay(wd).nesterov(p.get("nesterov").asBoolean()).build();
        }
        if (kind.equals("adam")) {
            assertTrue(ADAM_KEYS.containsAll(keys), c.name() + ": unknown Adam settings in " + keys);
            return Adam.builder(params).lr(lr).betas(p.get("betas").get(0).asDouble(), p.get("betas").get(1).asDouble())
                    .eps(p.get("eps").asDouble()).weightDecay(wd).amsgrad(p.path("amsgrad").asBoolean(false)).build();
        }
        return fail(c.name() + ": unknown optimizer '" + kind + "'");
    }

    /** Same kind of optimizer with deliberately different settings, which loadStateDict must overwrite. */
    private static Optimizer freshOptimizerLike(GoldenTrajectory c, List<Tensor> params) {
        return c.params().get("optimizer").asText().equals("sgd")
                ? SGD.builder(params).lr(0.5).momentum(0.3).dampening(0.5).build()
                : Adam.builder(params).lr(0.5).betas(0.5, 0.5).eps(1e-3).amsgrad(true).build();
    }

    /** The golden cases' linear least-squares problem. */
    record Problem(Tensor x, Tensor y, Tensor weight, Tensor bias) {
        static Problem of(GoldenTrajectory c) {
            return new Problem(c.input("X"), c.input("Y"), c.input("weight").requiresGrad(true), c.input("bias").requiresGrad(true));
        }

        List<Tensor> params() {
            return new ArrayList<>(List.of(weight, bias));
        }

        Tensor loss() {
            return F.mseLoss(F.linear(x, weight, bias), y);
        }

        void trainStep(Optimizer opt) {
            opt.zeroGrad();
            loss().backward();
            opt.step();
        }
    }
}
