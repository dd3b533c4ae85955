package io.sparkgrad.trainer.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SweepConfigTest {

    static final String ISSUE_EXAMPLE = """
            sweep:
              trials: 32
              objective: {metric: val_accuracy, mode: max}
              search: random
              scheduler: {name: asha, maxEpochs: 9, reductionFactor: 3, graceEpochs: 1}
              parallelism: 4
              mode: trial-per-task
            space:
              optimizer.lr: loguniform(1e-4, 1e-1)
              optimizer.name: choice(sgd, adam)
              training.globalBatchSize: choice(32, 64, 128)
              model: choice(logistic, "flatten linear(32) relu linear(10)", conv2d(8, 3, stride=2, padding=1) relu flatten linear(10))
              optimizer.momentum: uniform(0.5, 0.99)
              training.seed: randint(0, 1000)
              data.split: official
              optimizer.weightDecay: 0
            """;

    @Test
    void parsesTheIssuesExampleIntoRecords() {
        SweepConfig c = SweepConfig.parse(ISSUE_EXAMPLE);
        assertEquals(32, c.trials());
        assertEquals(new Objective("val_accuracy", true), c.objective());
        assertEquals("random", c.search());
        assertEquals(new SchedulerSpec("asha", 9, 3, 1, 3), c.scheduler());
        assertEquals(4, c.parallelism());
        assertEquals("trial-per-task", c.mode());
        assertEquals(0, c.workersPerTrial());
        var d = c.space().domains();
        assertEquals(new Domain.LogUniform(1e-4, 1e-1), d.get("optimizer.lr"));
        assertEquals(new Domain.Choice(List.of("sgd", "adam")), d.get("optimizer.name"));
        assertEquals(new Domain.Choice(List.of(32L, 64L, 128L)), d.get("training.globalBatchSize"));
        assertEquals(new Domain.Choice(List.of("logistic", "flatten linear(32) relu linear(10)",
                "conv2d(8, 3, stride=2, padding=1) relu flatten linear(10)")), d.get("model"));
        assertEquals(new Domain.Uniform(0.5, 0.99), d.get("optimizer.momentum"));
        assertEquals(new Domain.RandInt(0, 1000), d.get("training.seed"));
        assertEquals(new Domain.Fixed("official"), d.get("data.split"));
        assertEquals(new Domain.Fixed(0L), d.get("optimizer.weightDecay"));
        assertEquals(List.of("optimizer.lr", "optimizer.name", "training.globalBatchSize", "model", "optimizer.momentum", "training.seed"),
                c.space().sweptKeys());
    }

    @Test
    void workersPerTrialDefaultsToTheSlotsSharedByTheParallelTrials() {
        SweepConfig dp = SweepConfig.parse("sweep:\n  mode: data-parallel\n  parallelism: 3\nspace:\n  optimizer.lr: 0.1\n");
        assertEquals("data-parallel", dp.mode());
        assertEquals(4, dp.workersPerTrial(12));
        assertEquals(2, dp.workersPerTrial(8));
        assertEquals(1, dp.workersPerTrial(2), "at least one worker, even with fewer slots than trials");
        SweepConfig set = SweepConfig.parse("sweep:\n  mode: data-parallel\n  workersPerTrial: 5\nspace:\n  optimizer.lr: 0.1\n");
        assertEquals(5, set.workersPerTrial(12));
    }

    @Test
    void aSweepRunsOnTheCpuUnlessItAsksForCudaAndThenEachTrialTakesItsShareOfAGpu() {
        SweepConfig cpu = SweepConfig.parse("space:\n  optimizer.lr: 0.1\n");
        assertEquals("cpu", cpu.device());
        assertEquals(1.0, cpu.gpuShare());
        assertFalse(cpu.onGpu());
        SweepConfig quarter = SweepConfig.parse("sweep:\n  device: cuda\n  gpuShare: 0.25\nspace:\n  optimizer.lr: 0.1\n");
        assertTrue(quarter.onGpu());
        assertEquals(0.25, quarter.gpuShare());
        assertEquals(1.0, SweepConfig.parse("sweep:\n  device: cuda\nspace:\n  optimizer.lr: 0.1\n").gpuShare(), "a whole GPU by default");
        assertEquals(0.5, SweepConfig.parse(SweepConfig.override("sweep:\n  device: cuda\nspace:\n  optimizer.lr: 0.1\n",
                List.of("sweep.gpuShare=0.5"))).gpuShare());
    }

    @Test
    void badDeviceSettingsNameTheKeyAndWhatIsAllowed() {
        assertMessage("sweep:\n  device: gpu\nspace:\n  optimizer.lr: 0.1\n", "sweep.device 'gpu' is unknown", "allowed: cpu, cuda");
        for (String bad : List.of("0", "-0.25", "1.5")) {
            assertMessage("sweep:\n  device: cuda\n  gpuShare: " + bad + "\nspace:\n  optimizer.lr: 0.1\n", "sweep.gpuShare", "(0, 1]");
        }
        assertMessage("sweep:\n  device: cuda\n  gpuShare: a quarter\nspace:\n  optimizer.lr: 0.1\n", "sweep.gpuShare must be a number",
                "(0, 1]");
        assertMessage("sweep:\n  gpuShare: 0.5\nspace:\n  optimizer.lr: 0.1\n", "sweep.gpuShare applies to sweep.device cuda only",
                "cpu, cuda");
    }

    @Test
    void aLoneLayerIsAFixedSpecNotAnUnknownForm() {
        SweepConfig c = SweepConfig.parse("space:\n  model: linear(10)\n");
        assertEquals(new Domain.Fixed("linear(10)"), c.space().domains().get("model"));
    }

    @Test
    void badInputGetsAClearError() {
        assertMessage("space:\n  optimizer.lr: logunifrm(1e-4, 1e-1)\n", "unknown form 'logunifrm'", "choice, grid, uniform, loguniform, randint");
        assertMessage("space:\n  optimizer.lr: uniform(0.1, 0.01)\n", "optimizer.lr", "lo must be below hi");
        assertMessage("space:\n  optimizer.lr: loguniform(0, 0.1)\n", "loguniform needs 0 < lo");
        assertMessage("space:\n  training.seed: randint(5, 5)\n", "lo must be below hi");
        assertMessage("space:\n  optimizer.lr: uniform(0.1)\n", "takes two bounds");
        assertMessage("sweep:\n  scheduler: {name: hyperband}\nspace:\n  optimizer.lr: 0.1\n", "sweep.scheduler.name 'hyperband'", "none, asha, median");
        assertMessage("sweep:\n  search: tpe\nspace:\n  optimizer.lr: 0.1\n", "sweep.search 'tpe'", "grid, random");
        assertMessage("sweep:\n  objective: {metric: accuracy}\nspace:\n  optimizer.lr: 0.1\n", "accuracy", "val_accuracy, val_loss");
        assertMessage("sweep:\n  parallelizm: 3\nspace:\n  optimizer.lr: 0.1\n", "unknown key 'parallelizm'", "parallelism");
        assertMessage("space:\n  optimizer.nme: sgd\n", "unknown configuration key 'optimizer.nme'", "optimizer.name");
        assertMessage("space:\n  optimizer.name: choice(sgd, lbfgs)\n", "optimizer.name 'lbfgs'", "sgd, adam, adamw");
        assertMessage("space:\n  training.globalBatchSize: loguniform(16, 256)\n", "takes integers");
        assertMessage("space:\n  optimizer.lr: [0.1, 0.01]\n", "choice(a, b)");
        assertMessage("space:\n  model: choice(mnist-cnn, linear(0))\n", "model 'linear(0)'");
        assertMessage("sweep:\n  trials: 3\n", "no 'space:' block");
        assertMessage("sweep:\n  mode: trial-per-node\nspace:\n  optimizer.lr: 0.1\n", "sweep.mode 'trial-per-node'", "trial-per-task, data-parallel");
        assertMessage("sweep:\n  mode: data-parallel\n  workersPerTrial: 0\nspace:\n  optimizer.lr: 0.1\n", "sweep.workersPerTrial", "at least 1");
        assertMessage("sweep:\n  mode: data-parallel\n  workersPerTrial: two\nspace:\n  optimizer.lr: 0.1\n", "sweep.workersPerTrial must be an integer");
        assertMessage("sweep:\n  workersPerTrial: 2\nspace:\n  optimizer.lr: 0.1\n", "sweep.workersPerTrial applies to sweep.mode data-parallel only");
    }

    private static void assertMessage(String yaml, String... parts) {
        SweepConfigException e = assertThrows(SweepConfigException.class, () -> SweepConfig.parse(yaml));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "'" + e.getMessage() + "' should contain '" + p + "'");
        }
    }

    @Test
    void randomSearchIsAPureFunctionOfSeedAndTrialIndex() {
        SweepConfig c = SweepConfig.parse(ISSUE_EXAMPLE);
        Searcher a = c.searcher();
        Searcher b = SweepConfig.parse(ISSUE_EXAMPLE).searcher();
        assertInstanceOf(RandomSearcher.class, a);
        // Asked in another order, the same trial gets the same sample.
        var late = b.config(7);
        for (int i = 0; i < 7; i++) {
            b.config(i);
        }
        assertEquals(a.config(7), late);
        assertTrue(!a.config(7).equals(a.config(8)));
        for (int i = 0; i < 32; i++) {
            var cfg = a.config(i);
            double lr = (Double) cfg.get("optimizer.lr");
            assertTrue(lr >= 1e-4 && lr < 1e-1, "lr " + lr);
            assertTrue(List.of(32L, 64L, 128L).contains(cfg.get("training.globalBatchSize")));
            long seed = (Long) cfg.get("training.seed");
            assertTrue(seed >= 0 && seed < 1000);
            TrialConfig.of(cfg, c.seed());
        }
        SweepConfig other = SweepConfig.parse(ISSUE_EXAMPLE.replace("search: random", "search: random\n  seed: 9"));
        assertTrue(!other.searcher().config(0).equals(a.config(0)));
    }

    @Test
    void loguniformSpreadsOverDecades() {
        Searcher s = new RandomSearcher(new SearchSpace(java.util.Map.of("optimizer.lr", new Domain.LogUniform(1e-4, 1e-1))), 300, 1);
        int[] decades = new int[3];
        for (int i = 0; i < 300; i++) {
            decades[(int) Math.floor(Math.log10((Double) s.config(i).get("optimizer.lr")) + 4)]++;
        }
        for (int n : decades) {
            assertTrue(n > 70 && n < 130, java.util.Arrays.toString(decades));
        }
    }

    @Test
    void gridSearchIsTheCartesianProductLastKeyFastest() {
        SweepConfig c = SweepConfig.parse("""
                sweep: {search: grid}
                space:
                  optimizer.name: grid(sgd, adam)
                  training.globalBatchSize: choice(32, 64, 128)
                  optimizer.lr: 0.05
                """);
        Searcher s = c.searcher();
        assertEquals(6, s.trials());
        assertEquals(List.of("sgd", 32L), List.of(s.config(0).get("optimizer.name"), s.config(0).get("training.globalBatchSize")));
        assertEquals(List.of("sgd", 128L), List.of(s.config(2).get("optimizer.name"), s.config(2).get("training.globalBatchSize")));
        assertEquals(List.of("adam", 64L), List.of(s.config(4).get("optimizer.name"), s.config(4).get("training.globalBatchSize")));
        assertEquals(0.05, s.config(5).get("optimizer.lr"));
        assertThrows(SweepConfigException.class, () -> SweepConfig.parse("sweep: {search: grid, trials: 4}\nspace:\n  optimizer.name: grid(sgd, adam, adamw)\n").searcher());
    }

    @Test
    void overridesReplaceNestedSweepKeysAndWholeSpaceKeys() {
        String yaml = "sweep:\n  trials: 32\n  scheduler: asha\nspace:\n  optimizer.lr: 0.1\n";
        SweepConfig c = SweepConfig.parse(SweepConfig.override(yaml, List.of("sweep.trials=2", "sweep.scheduler.maxEpochs=1",
                "sweep.objective.metric=val_loss", "space.data.trainLimit=2000", "space.optimizer.name=choice(sgd, adam)",
                "space.optimizer.lr=0.3")));
        assertEquals(2, c.trials());
        // The short form scheduler: asha keeps its name under the override.
        assertEquals(new SchedulerSpec("asha", 1, 3, 1, 3), c.scheduler());
        assertEquals("val_loss", c.objective().metric());
        assertEquals(new Domain.Fixed(2000L), c.space().domains().get("data.trainLimit"));
        assertEquals(new Domain.Fixed(0.3), c.space().domains().get("optimizer.lr"));
        assertInstanceOf(Domain.Choice.class, c.space().domains().get("optimizer.name"));
        assertEquals(yaml, SweepConfig.override(yaml, List.of()));
        for (String bad : List.of("trials=2", "sweep.trials", "model=logistic", "space.=1")) {
            SweepConfigException e = assertThrows(SweepConfigException.class, () -> SweepConfig.override(yaml, List.of(bad)));
            assertTrue(e.getMessage().contains("override '" + bad + "'"), e.getMessage());
        }
        SweepConfigException notMapping = assertThrows(SweepConfigException.class,
                () -> SweepConfig.override(yaml, List.of("sweep.trials.count=3")));
        assertTrue(notMapping.getMessage().contains("sweep.trials is not a mapping"), notMapping.getMessage());
    }
}
