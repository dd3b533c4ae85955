package io.sparkgrad.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void defaultsWithTheLocalPresetAreCompleteAndDerived() {
        JobConfig c = new JobConfigLoader().load().config();
        assertEquals("mnist-cnn", c.model().name());
        assertEquals("mnist", c.data().train());
        assertEquals("mnist", c.data().test(), "test follows train when train is mnist");
        assertEquals(Split.TUTORIAL, c.data().split());
        assertEquals(OptimizerName.ADAM, c.optimizer().name());
        assertEquals(4e-3, c.optimizer().lr());
        assertEquals(List.of(0.9, 0.999), c.optimizer().betas());
        assertEquals(LrSchedule.COSINE, c.optimizer().schedule());
        assertEquals(0.0, c.optimizer().minLr());
        assertEquals(Scaling.NORMALIZE, c.data().scaling());
        assertEquals(64, c.training().globalBatchSize());
        assertEquals(3, c.training().epochs());
        assertEquals(0, c.data().limit(), "all records");
        assertEquals(Transport.BARRIER, c.training().transport());
        assertEquals("runs/mnist-{timestamp}", c.output().outputDir(), "the job puts the start time in");
        assertEquals("runs/mnist-{timestamp}/checkpoints", c.output().checkpointDir());
        assertEquals("runs/mnist-{timestamp}/metrics.jsonl", c.output().metricsFile());
        assertEquals(DeviceType.CPU, c.device());
        assertEquals("local[*]", c.spark().master());
        assertEquals(DeployMode.CLIENT, c.spark().deployMode());
    }

    @Test
    void aFileSetsEveryKindOfValue() throws Exception {
        Path file = JobYaml.write(dir, """
                model:
                  name: logistic
                data:
                  train: hdfs://nn:8020/data/mnist/train.parquet
                  test: hdfs://nn:8020/data/mnist/test.parquet
                  split: OFFICIAL        # enum values ignore case
                  scaling: normalize
                  partitions: 8
                  limit: 5000
                optimizer:
                  name: adamw
                  lr: 1e-3               # YAML reads this as text; it still converts
                  weightDecay: 0.01
                  betas: [0.8, 0.99]
                  eps: 1.0e-6
                  schedule: constant
                  minLr: 1e-5
                training:
                  globalBatchSize: 256
                  epochs: 5
                  seed: 12345678901
                  workers: 4
                  transport: stage
                  skipNonFinite: true
                  dropLast: true
                  checkpointEveryKSteps: 100
                output:
                  outputDir: hdfs://nn:8020/runs/a/
                device: cuda
                spark:
                  appName: mnist-adamw
                  conf:
                    spark.executor.memory: 8g
                    spark.executor.cores: 4
                """);
        JobConfig c = new JobConfigLoader().file(file).load().config();
        assertEquals("logistic", c.model().name());
        assertEquals(new DataConfig("hdfs://nn:8020/data/mnist/train.parquet", "hdfs://nn:8020/data/mnist/test.parquet",
                Split.OFFICIAL, Scaling.NORMALIZE, 8, 5000, DataFormat.AUTO, "features", "label", List.of(), 0.0, null), c.data());
        assertEquals(new OptimizerConfig(OptimizerName.ADAMW, 1e-3, 0.9, 0.0, false, 0.01, List.of(0.8, 0.99), 1e-6,
                LrSchedule.CONSTANT, 1e-5), c.optimizer());
        assertEquals(new TrainingConfig(256, true, 5, 12345678901L, 4, Transport.STAGE, true, 100, "0"), c.training());
        assertEquals(new OutputConfig("hdfs://nn:8020/runs/a/", "hdfs://nn:8020/runs/a/checkpoints",
                "hdfs://nn:8020/runs/a/metrics.jsonl"), c.output());
        assertEquals(DeviceType.CUDA, c.device());
        assertEquals("mnist-adamw", c.spark().appName());
        assertEquals("4", c.spark().conf().get("spark.executor.cores"), "Spark settings are strings");
        assertEquals("8g", c.spark().conf().get("spark.executor.memory"));
    }

    @Test
    void theRenderedYamlLoadsBackToTheSameConfiguration() throws Exception {
        JobConfig original = new JobConfigLoader().preset(Preset.YARN)
                .set("optimizer.name=adam").set("optimizer.betas=0.85,0.995").set("optimizer.eps=1e-7")
                .set("training.seed=-7").set("device=cuda").set("data.scaling=div256")
                .set("spark.conf.spark.executor.cores=3").set("spark.conf.spark.yarn.queue=ml")
                .set("output.outputDir=/tmp/run 1").set("spark.appName=it's \"quoted\": yes")
                .load().config();
        String yaml = original.toYaml();
        assertEquals(original, JobConfig.fromYaml(yaml, "rendered"));
        assertEquals(original, new JobConfigLoader().noPreset().file(JobYaml.write(dir, yaml)).load().config());
        assertTrue(yaml.contains("spark.yarn.queue: ml"), yaml);
        assertTrue(yaml.contains("scaling: div256"), "enums render as their labels:\n" + yaml);
    }

    @Test
    void setValuesAreConvertedToTheTypeAtTheirPath() {
        JobConfig c = new JobConfigLoader()
                .set("training.epochs=7").set("training.seed=9000000000").set("optimizer.lr=.25")
                .set("optimizer.nesterov=TRUE").set("optimizer.betas=[0.5, 0.6]").set("training.transport=Stage")
                .set("model.name", "mnist-cnn")
                .load().config();
        assertEquals(7, c.training().epochs());
        assertEquals(9_000_000_000L, c.training().seed());
        assertEquals(0.25, c.optimizer().lr());
        assertTrue(c.optimizer().nesterov());
        assertEquals(List.of(0.5, 0.6), c.optimizer().betas());
        assertEquals(Transport.STAGE, c.training().transport());
        assertEquals("mnist-cnn", c.model().name());
    }

    @Test
    void aSparkSettingKeyKeepsItsDotsAndValueVerbatim() {
        JobConfig c = new JobConfigLoader()
                .set("spark.conf.spark.driver.extraJavaOptions=-Dx=1 -Dy=a=b").load().config();
        // The local preset's own setting (the web UI off) stays beside it.
        assertEquals(Map.of("spark.driver.extraJavaOptions", "-Dx=1 -Dy=a=b", "spark.ui.enabled", "false"),
                c.spark().conf());
    }

    @Test
    void aNullSparkSettingRemovesThePresetsOne() throws Exception {
        JobConfig c = new JobConfigLoader().preset(Preset.YARN).file(JobYaml.write(dir, """
                spark:
                  conf:
                    spark.executor.memoryOverhead: null
                """)).load().config();
        assertFalse(c.spark().conf().containsKey("spark.executor.memoryOverhead"));
        assertEquals("4g", c.spark().conf().get("spark.executor.memory"), "the preset's other settings stay");
    }

    @Test
    void anEmptySectionOrFileChangesNothing() throws Exception {
        JobConfig defaults = new JobConfigLoader().load().config();
        assertEquals(defaults, new JobConfigLoader().file(JobYaml.write(dir, "optimizer:\nspark:\n  conf: {}\n")).load().config());
        assertEquals(defaults, new JobConfigLoader().file(JobYaml.write(dir, "# nothing yet\n")).load().config());
    }

    @Test
    void explicitDerivedValuesAreKept() {
        JobConfig c = new JobConfigLoader().set("output.outputDir=out").set("output.metricsFile=m.jsonl")
                .set("data.train=/data/train.csv").load().config();
        assertEquals("out/checkpoints", c.output().checkpointDir());
        assertEquals("m.jsonl", c.output().metricsFile());
        assertNull(c.data().test(), "no test set is invented for a training file with the tutorial split");
    }

    @Test
    void anEmptyOverrideUnsetsAStringSoItsDerivedValueReturns() throws Exception {
        Path file = JobYaml.write(dir, "output:\n  checkpointDir: /elsewhere\n");
        assertEquals("/elsewhere", new JobConfigLoader().file(file).load().config().output().checkpointDir());
        assertEquals("runs/mnist-{timestamp}/checkpoints", new JobConfigLoader().file(file).set("output.checkpointDir=")
                .load().config().output().checkpointDir());
    }

    @Test
    void loadedConfigRemembersItsSources() throws Exception {
        Path file = JobYaml.write(dir, "training:\n  epochs: 3\n");
        LoadedConfig loaded = new JobConfigLoader().preset(Preset.STANDALONE).file(file)
                .set("spark.master=spark://m:7077").load();
        assertEquals(List.of("--preset", "standalone", "--config", "job.yaml", "--set", "spark.master=spark://m:7077"),
                loaded.sourceArguments("job.yaml"));
        assertEquals(file, loaded.file());
    }

    @Test
    void theStaticShortcutLoadsTheSameAsTheLoader() throws Exception {
        Path file = JobYaml.write(dir, "training:\n  epochs: 3\n");
        assertEquals(new JobConfigLoader().preset(Preset.YARN).file(file).set("optimizer.lr=0.5").load().config(),
                JobConfig.load(Preset.YARN, file, List.of("optimizer.lr=0.5")));
    }

    @Test
    void aConfigurationSurvivesJavaSerialization() throws Exception {
        JobConfig c = new JobConfigLoader().preset(Preset.YARN).set("device=cuda").load().config();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(c);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(c, in.readObject());
        }
    }
}
