package io.sparkgrad.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.JobConfigLoader;
import io.sparkgrad.conf.LoadedConfig;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.mnist.Mnist;
import io.sparkgrad.ingest.mnist.MnistSplit;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.ingest.testutil.LocalSpark;
import io.sparkgrad.io.Safetensors;
import io.sparkgrad.io.SafetensorsDtype;
import io.sparkgrad.io.SafetensorsHeader;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Reduction;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import io.sparkgrad.trainer.engine.MnistModels;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import javax.imageio.ImageIO;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MNIST job end to end on a small configuration (the tutorial CNN, one epoch, the first 4,000 images of each set):
 * every output file is there and well formed, the RESULT line is the last line, and the saved model loads back with
 * core-tensor alone (safetensors + the model zoo) under PyTorch's names and gives the accuracy the job reported.
 */
class MnistJobTest {
    static final int LIMIT = 4000;

    @TempDir
    static Path tmp;

    static SparkSession spark;
    static Path out;
    static JobConfig effective;
    static JobResult result;
    static List<String> console;

    @BeforeAll
    static void runTheJob() throws Exception {
        // Started the way the job starts its own Spark, so the job and the CLI find it running and leave it so.
        spark = LocalSpark.start("local[2]", "mnist-job-test", JobSpark.sparkConf(
                new JobConfigLoader().set("spark.master=local[2]").load().config(), new SparkConf()));
        out = tmp.resolve("run");
        LoadedConfig loaded = new JobConfigLoader()
                .set("model.name=tutorial-cnn")
                .set("optimizer.name=sgd").set("optimizer.lr=0.1").set("optimizer.momentum=0.9").set("optimizer.schedule=constant")
                .set("data.scaling=div255")
                .set("training.globalBatchSize=64").set("training.epochs=1")
                .set("data.limit=" + LIMIT)
                .set("output.outputDir=" + out)
                .load();
        effective = loaded.config();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            result = MnistJob.run(loaded, false, ps);
        }
        console = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void theLastConsoleLineIsTheResultLine() {
        String last = console.get(console.size() - 1);
        Matcher m = JobResult.parse(last);
        assertEquals(String.format(java.util.Locale.ROOT, "%.4f", result.testAccuracy()), m.group(1));
        assertEquals(String.format(java.util.Locale.ROOT, "%.4f", result.testLoss()), m.group(2));
        assertEquals("1", m.group(3));
        assertTrue(Double.parseDouble(m.group(4)) > 0);
        assertEquals(out.toString(), m.group(5));
        // 63 steps take the tutorial CNN only past its initial plateau (PyTorch shows the same), but well past chance.
        assertTrue(result.testAccuracy() > 0.2, "one short epoch of the tutorial CNN learns something: " + last);
        assertTrue(result.testLoss() < Math.log(10), "below the loss of a uniform guess: " + last);
        assertEquals(1, console.stream().filter(l -> l.startsWith("RESULT ")).count());
    }

    @Test
    void theConsoleShowsTheConfigurationProgressAndTheEpochLine() {
        String all = String.join("\n", console);
        assertTrue(all.contains("    name: tutorial-cnn"), "the effective configuration is printed");
        assertTrue(console.stream().anyMatch(l -> l.matches("epoch 1/1 \\[#+\\.*] \\d+/63 .*")), all);
        assertTrue(console.stream().anyMatch(l -> l.matches("epoch 1/1  train loss \\d\\.\\d{4} acc \\d\\.\\d{4}  val loss .*")), all);
        assertTrue(all.contains("train        4,000 images: MNIST training files, records 0-3,999"), all);
        assertTrue(all.contains("validation   4,000 images: MNIST training files, records 50,000-53,999"), all);
        assertTrue(all.contains("test         4,000 images: MNIST test files, records 0-3,999"), all);
    }

    @Test
    void configYamlLoadsBackToTheEffectiveConfiguration() throws Exception {
        JobConfig saved = JobConfig.fromYaml(Files.readString(out.resolve("config.yaml")), "config.yaml");
        assertEquals(effective, saved);
        assertEquals(out.toString(), saved.output().outputDir());
    }

    @Test
    void metricsAreJsonLinesWithTheRunEpochsAndTest() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            lines.add(json.readTree(l));
        }
        assertEquals("start", lines.get(0).get("event").asText());
        assertEquals(63, lines.get(0).get("steps_per_epoch").asInt(), "4,000 samples: 62 steps of 64 and one of 32");
        List<JsonNode> epochs = lines.stream().filter(n -> n.get("event").asText().equals("epoch")).toList();
        assertEquals(1, epochs.size());
        assertEquals(result.history().get(0).validationAccuracy(), epochs.get(0).get("validation_accuracy").asDouble());
        assertTrue(lines.stream().filter(n -> n.get("event").asText().equals("step")).count() >= 6, "a step line every 10 steps");
        JsonNode test = lines.get(lines.size() - 1);
        assertEquals("test", test.get("event").asText());
        assertEquals(result.testAccuracy(), test.get("accuracy").asDouble());
        assertEquals(LIMIT, test.get("samples").asLong());
        long diagonal = 0;
        for (int i = 0; i < 10; i++) {
            diagonal += test.get("confusion").get(i).get(i).asLong();
        }
        assertEquals(Math.round(result.testAccuracy() * LIMIT), diagonal);
    }

    @Test
    void thePicturesArePngsOfTheirSize() throws Exception {
        for (var f : Map.of("curves.png", new int[] {Charts.CURVES_WIDTH, Charts.CURVES_HEIGHT},
                "confusion.png", new int[] {Charts.CONFUSION_SIZE, Charts.CONFUSION_SIZE}).entrySet()) {
            byte[] png = Files.readAllBytes(out.resolve(f.getKey()));
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, Arrays.copyOf(png, 8), f.getKey());
            BufferedImage img = ImageIO.read(out.resolve(f.getKey()).toFile());
            assertNotNull(img, f.getKey());
            assertEquals(f.getValue()[0], img.getWidth(), f.getKey());
            assertEquals(f.getValue()[1], img.getHeight(), f.getKey());
            assertTrue(distinctColours(img) > 8, f.getKey() + " has a picture on it");
        }
    }

    @Test
    void checkpointsAreWrittenInTheOutputFolder() throws Exception {
        try (var dirs = Files.list(out.resolve("checkpoints"))) {
            assertFalse(dirs.toList().isEmpty());
        }
    }

    @Test
    void theSafetensorsHeaderCarriesPyTorchsNamesAndShapes() throws Exception {
        SafetensorsHeader h = Safetensors.readHeader(out.resolve("model.safetensors"));
        Map<String, List<Integer>> shapes = new LinkedHashMap<>();
        h.tensors().forEach((name, info) -> {
            assertEquals(SafetensorsDtype.F32, info.dtype(), name);
            shapes.put(name, Arrays.stream(info.shape()).boxed().toList());
        });
        // torch.nn.Sequential(Conv2d(1,16,3,2,1), ReLU(), Conv2d(16,16,3,2,1), ReLU(), Conv2d(16,10,3,2,1), ReLU(),
        //                     AdaptiveAvgPool2d(1), Flatten()).state_dict()
        Map<String, List<Integer>> pytorch = new LinkedHashMap<>();
        pytorch.put("0.weight", List.of(16, 1, 3, 3));
        pytorch.put("0.bias", List.of(16));
        pytorch.put("2.weight", List.of(16, 16, 3, 3));
        pytorch.put("2.bias", List.of(16));
        pytorch.put("4.weight", List.of(10, 16, 3, 3));
        pytorch.put("4.bias", List.of(10));
        assertEquals(pytorch, shapes);
        assertEquals(List.copyOf(pytorch.keySet()), List.copyOf(shapes.keySet()), "in state-dict order");
        assertEquals("pt", h.metadata().get("format"));
        assertEquals("tutorial-cnn", h.metadata().get(ModelFile.MODEL));
        assertEquals("div255", h.metadata().get(ModelFile.SCALING));
    }

    @Test
    void theSavedModelLoadsBackAndGivesTheReportedTestAccuracy() throws Exception {
        Module model = MnistModels.byId("tutorial-cnn").build(new Generator(1), new Generator(1));
        model.loadStateDict(Safetensors.load(out.resolve("model.safetensors")), true);
        model.eval();
        MnistSplit test = Mnist.fromCache().load(true, 0, LIMIT, PixelScaling.DIV_255);
        long correct = 0;
        double loss = 0;
        try (var noGrad = Tensor.noGrad()) {
            for (int from = 0; from < LIMIT; from += 500) {
                Tensor x = Tensor.wrap(test.images(), from * MnistSplit.PIXELS, 500, 1, 28, 28);
                Tensor y = Tensor.ofInts(Arrays.copyOfRange(test.labels(), from, from + 500), 500);
                Tensor logits = model.forward(x);
                loss += F.crossEntropy(logits, y, Reduction.SUM).item();
                int[] pred = logits.argmax(1).toIntArray();
                for (int i = 0; i < 500; i++) {
                    correct += pred[i] == test.labels()[from + i] ? 1 : 0;
                }
            }
        }
        assertEquals(result.testAccuracy(), (double) correct / LIMIT, 0.0, "the same samples classified correctly");
        assertEquals(result.testLoss(), loss / LIMIT, 1e-4);
        assertEquals(result.confusion().correct(), correct);
    }

    @Test
    void theTutorialSplitValidatesOnTheLastSixthAndTheLimitCutsEverySet() throws Exception {
        JobConfig c = new JobConfigLoader().set("data.limit=300").load().config();
        JobData d = JobData.load(JobSpark.of(spark), c.data(), c.model(), 2, 0, s -> { });
        Mnist mnist = Mnist.fromCache();
        assertArrayEquals(mnist.load(false, 0, 300, PixelScaling.DIV_255).labels(), labels(d.train()));
        assertArrayEquals(mnist.load(false, 50_000, 300, PixelScaling.DIV_255).labels(), labels(d.validation()));
        assertArrayEquals(mnist.load(true, 0, 300, PixelScaling.DIV_255).labels(), labels(d.test()));
        SampleBlock first = d.validation().first();
        assertArrayEquals(Arrays.copyOf(mnist.load(false, 50_000, 1, PixelScaling.NORMALIZE).images(), 784),
                Arrays.copyOf(first.features(), 784), "pixels normalised (the default data.scaling normalize)");
    }

    @Test
    void theOfficialSplitValidatesOnTheTestSet() throws Exception {
        JobConfig c = new JobConfigLoader().set("data.split=official").set("data.limit=200").load().config();
        JobData d = JobData.load(JobSpark.of(spark), c.data(), c.model(), 2, 0, s -> { });
        Mnist mnist = Mnist.fromCache();
        assertArrayEquals(mnist.load(false, 0, 200, PixelScaling.DIV_255).labels(), labels(d.train()));
        assertArrayEquals(mnist.load(true, 0, 200, PixelScaling.DIV_255).labels(), labels(d.validation()));
        assertArrayEquals(labels(d.validation()), labels(d.test()));
    }

    @Test
    void parquetDataIsCutByRecordPosition() throws Exception {
        Path parquet = tmp.resolve("test.parquet");
        Path cache = io.sparkgrad.ingest.mnist.MnistCache.defaultDir();
        // Three part files, so that the range below starts in one and ends in another.
        assertEquals(0, io.sparkgrad.ingest.convert.ConvertCommand.run("--from", "idx",
                "--images", cache.resolve("t10k-images-idx3-ubyte").toString(),
                "--labels", cache.resolve("t10k-labels-idx1-ubyte").toString(), "--to", "parquet", "--out", parquet.toString(),
                "--spark", "--partitions", "3"));
        DataLocation where = DataLocation.resolve(parquet.toString(), "data.test", spark.sparkContext().hadoopConfiguration());
        assertEquals(DataLocation.Kind.PARQUET, where.kind());
        DataSource source = DataSource.open(JobSpark.of(spark), where, DataSource.Role.TEST, 2, PixelScaling.DIV_255, s -> { });
        assertEquals(10_000, source.records());
        List<SampleBlock> blocks = source.range(3000, 1000).collect();
        MnistSplit expected = Mnist.fromCache().load(true, 3000, 1000, PixelScaling.DIV_255);
        assertArrayEquals(expected.labels(), labels(blocks));
        float[] pixels = new float[1000 * 784];
        int at = 0;
        for (SampleBlock b : blocks) {
            System.arraycopy(b.features(), 0, pixels, at, b.features().length);
            at += b.features().length;
        }
        assertArrayEquals(expected.images(), pixels, "every pixel of records 3,000-3,999, across the part files");
        assertTrue(blocks.stream().filter(b -> b.size() > 0).count() >= 2, "the range spans two part files");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> source.range(9_999, 2));
        assertEquals(parquet + " holds 10000 records; records 9999 to 10000 do not exist", e.getMessage());
    }

    private static int[] labels(JavaRDD<SampleBlock> rdd) {
        return labels(rdd.collect());
    }

    private static int[] labels(List<SampleBlock> blocks) {
        return blocks.stream().flatMapToInt(b -> Arrays.stream(b.labels())).toArray();
    }

    private static int distinctColours(BufferedImage img) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 7) {
            for (int x = 0; x < img.getWidth(); x += 7) {
                seen.add(img.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
