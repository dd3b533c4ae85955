package io.sparkgrad.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** defaults &lt; preset &lt; file &lt; --set, each step on its own and all together. */
class PrecedenceTest {
    @TempDir
    Path dir;

    @Test
    void thePresetOverridesTheDefaults() {
        LoadedConfig defaults = new JobConfigLoader().noPreset().set("spark.master=yarn").load();
        assertEquals(DeployMode.CLIENT, defaults.config().spark().deployMode());
        assertEquals("defaults", defaults.originOf("spark.deployMode"));
        LoadedConfig yarn = new JobConfigLoader().preset(Preset.YARN).load();
        assertEquals(DeployMode.CLUSTER, yarn.config().spark().deployMode());
        assertEquals("preset yarn", yarn.originOf("spark.deployMode"));
    }

    @Test
    void theFileOverridesThePreset() throws Exception {
        Path file = JobYaml.write(dir, "spark:\n  deployMode: client\n  conf:\n    spark.executor.memory: 8g\n");
        LoadedConfig c = new JobConfigLoader().preset(Preset.YARN).file(file).load();
        assertEquals(DeployMode.CLIENT, c.config().spark().deployMode());
        assertEquals("8g", c.config().spark().conf().get("spark.executor.memory"));
        assertEquals("file " + file, c.originOf("spark.conf.spark.executor.memory"));
        assertEquals("2g", c.config().spark().conf().get("spark.driver.memory"),
                "the file's spark.conf adds to the preset's, key by key");
        assertEquals("preset yarn", c.originOf("spark.conf.spark.driver.memory"));
    }

    @Test
    void anOverrideBeatsTheFile() throws Exception {
        Path file = JobYaml.write(dir, "optimizer:\n  lr: 0.5\n  momentum: 0.5\n");
        LoadedConfig c = new JobConfigLoader().file(file).set("optimizer.lr=0.05").load();
        assertEquals(0.05, c.config().optimizer().lr());
        assertEquals(0.5, c.config().optimizer().momentum(), "values the override does not name stay the file's");
        assertEquals("--set optimizer.lr=0.05", c.originOf("optimizer.lr"));
        assertEquals("file " + file, c.originOf("optimizer.momentum"));
    }

    @Test
    void theLaterOfTwoOverridesWins() {
        assertEquals(3, new JobConfigLoader().set("training.epochs=5").set("training.epochs=3").load()
                .config().training().epochs());
    }

    @Test
    void oneKeyThroughAllFourLayers() throws Exception {
        String key = "spark.conf.spark.executor.memory";
        // defaults: no executor memory; preset: 4g; file: 8g; --set: 16g.
        assertEquals(null, new JobConfigLoader().load().config().spark().conf().get("spark.executor.memory"));
        assertEquals("4g", new JobConfigLoader().preset(Preset.YARN).load().config().spark().conf()
                .get("spark.executor.memory"));
        Path file = JobYaml.write(dir, "spark:\n  conf:\n    spark.executor.memory: 8g\n");
        assertEquals("8g", new JobConfigLoader().preset(Preset.YARN).file(file).load().config().spark().conf()
                .get("spark.executor.memory"));
        LoadedConfig all = new JobConfigLoader().preset(Preset.YARN).file(file).set(key + "=16g").load();
        assertEquals("16g", all.config().spark().conf().get("spark.executor.memory"));
        assertEquals("--set " + key + "=16g", all.originOf(key));

        // The same chain on a typed value: defaults client, preset yarn cluster, file client, --set cluster.
        Path modeFile = JobYaml.write(dir, "spark:\n  deployMode: client\n");
        assertEquals(DeployMode.CLUSTER, new JobConfigLoader().preset(Preset.YARN).file(modeFile)
                .set("spark.deployMode=cluster").load().config().spark().deployMode());
    }

    @Test
    void aFileMasterReplacesThePresetsMaster() throws Exception {
        Path file = JobYaml.write(dir, "spark:\n  master: local[2]\n  deployMode: client\n");
        LoadedConfig c = new JobConfigLoader().preset(Preset.YARN).file(file).load();
        assertEquals("local[2]", c.config().spark().master());
        assertEquals(ClusterManager.LOCAL, c.config().spark().clusterManager().orElseThrow());
    }

    @Test
    void derivedValuesFollowTheWinningLayer() throws Exception {
        Path file = JobYaml.write(dir, "output:\n  outputDir: /runs/file\n");
        LoadedConfig c = new JobConfigLoader().file(file).set("output.outputDir=/runs/set").load();
        assertEquals("/runs/set/checkpoints", c.config().output().checkpointDir());
        assertEquals("derived from output.outputDir", c.originOf("output.checkpointDir"));
    }
}
