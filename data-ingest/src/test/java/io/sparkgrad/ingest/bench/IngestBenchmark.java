package io.sparkgrad.ingest.bench;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.convert.ConvertSpec;
import io.sparkgrad.ingest.convert.Converter;
import io.sparkgrad.ingest.convert.Format;
import io.sparkgrad.ingest.convert.SparkConvertJob;
import io.sparkgrad.ingest.mnist.Mnist;
import io.sparkgrad.ingest.mnist.MnistCache;
import io.sparkgrad.ingest.mnist.MnistFile;
import io.sparkgrad.ingest.mnist.MnistSplit;
import io.sparkgrad.ingest.mnist.MnistSubset;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.ingest.spark.SampleBlocks;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark of data-ingest on the full MNIST training set (from the cache folder): parsing into a float array
 * (raw and gzip files), converting IDX to Parquet (in-process and as a Spark job), and loading per-partition
 * {@link SampleBlock}s (from Parquet and straight from IDX). Each figure is measured after warm-up runs, over
 * repeated runs, and printed as median / min / max milliseconds.
 */
@Command(name = "ingest-benchmark", mixinStandardHelpOptions = true, description = "Benchmark MNIST parsing, conversion and loading.")
public final class IngestBenchmark implements Callable<Integer> {

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "MNIST folder (default: the cache folder, see MnistDownload).")
    String cacheDir;

    @Option(names = "--warmup", defaultValue = "3", description = "Warm-up runs per figure (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--repeats", defaultValue = "10", description = "Timed runs per figure (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--spark-repeats", defaultValue = "5", description = "Timed runs per Spark figure (default ${DEFAULT-VALUE}).")
    int sparkRepeats;

    @Option(names = "--master", defaultValue = "local[2]", description = "Spark master (default ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--partitions", defaultValue = "2", description = "Partitions of the Spark data (default ${DEFAULT-VALUE}).")
    int partitions;

    /** One timing action. */
    @FunctionalInterface
    private interface Run {
        void run() throws Exception;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new IngestBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = MnistCache.ensure(MnistCache.resolveDir(cacheDir), false, s -> { });
        Path work = Files.createTempDirectory("sparkgrad-ingest-bench");
        System.out.printf(Locale.ROOT, "data-ingest benchmark: MNIST in %s, %d cores, Java %s, max heap %d MiB%n", dir,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20);
        try {
            Mnist raw = Mnist.in(dir);
            Path gzDir = Files.createDirectories(work.resolve("gz"));
            for (MnistFile f : List.of(MnistFile.TRAIN_IMAGES, MnistFile.TRAIN_LABELS)) {
                try (InputStream in = Files.newInputStream(dir.resolve(f.fileName()));
                     OutputStream out = new GZIPOutputStream(Files.newOutputStream(gzDir.resolve(f.gzipName())), 1 << 16)) {
                    in.transferTo(out);
                }
            }
            Mnist gz = Mnist.in(gzDir);
            MnistSplit[] keep = new MnistSplit[1];
            time("parse 60,000 training images -> float[] (raw IDX, /255)", warmup, repeats,
                    () -> keep[0] = raw.train(PixelScaling.DIV_255));
            check(keep[0].count() == 60_000, "60,000 images");
            time("parse 60,000 training images -> float[] (gzip IDX, /255)", warmup, repeats,
                    () -> keep[0] = gz.train(PixelScaling.DIV_255));
            time("parse tutorial train+valid (50,000 + 10,000, raw, /256)", warmup, repeats, () -> {
                raw.tutorialTrain(PixelScaling.DIV_256);
                raw.tutorialValid(PixelScaling.DIV_256);
            });

            String images = dir.resolve(MnistFile.TRAIN_IMAGES.fileName()).toString();
            String labels = dir.resolve(MnistFile.TRAIN_LABELS.fileName()).toString();
            Path pqFile = work.resolve("train.parquet");
            ConvertSpec local = new ConvertSpec(Format.IDX, null, images, labels, Format.PARQUET, pqFile.toString(), null, null,
                    false, false, 28, 28, 0);
            time("convert IDX -> Parquet, in-process (one file)", 1, Math.max(1, repeats / 2),
                    () -> Converter.convert(local, new Configuration()));
            System.out.printf(Locale.ROOT, "    Parquet file: %.1f MiB (IDX: %.1f MiB)%n", Files.size(pqFile) / 1048576.0,
                    Files.size(dir.resolve(MnistFile.TRAIN_IMAGES.fileName())) / 1048576.0);

            SparkSession spark = SparkSession.builder().appName("ingest-benchmark").master(master)
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                    .getOrCreate();
            try {
                String pqDir = work.resolve("train-pq").toUri().toString();
                ConvertSpec job = new ConvertSpec(Format.IDX, null, images, labels, Format.PARQUET, pqDir, null, null,
                        false, false, 28, 28, partitions);
                time("convert IDX -> Parquet, Spark job (" + master + ", " + partitions + " partitions)", 1, sparkRepeats,
                        () -> SparkConvertJob.run(spark, job));
                long[] n = new long[1];
                time("Parquet -> " + partitions + " SampleBlocks (/255), computed", 2, sparkRepeats, () -> {
                    JavaRDD<SampleBlock> blocks = SampleBlocks.fromParquet(spark, pqDir, 0, PixelScaling.DIV_255);
                    n[0] = blocks.map(SampleBlock::size).reduce(Integer::sum);
                });
                check(n[0] == 60_000, "60,000 samples in the blocks from Parquet");
                time("IDX -> " + partitions + " SampleBlocks (/255), computed", 2, sparkRepeats, () -> {
                    JavaRDD<SampleBlock> blocks = SampleBlocks.load(spark, dir.toUri().toString(), MnistSubset.TRAIN,
                            partitions, PixelScaling.DIV_255);
                    n[0] = blocks.map(SampleBlock::size).reduce(Integer::sum);
                });
                check(n[0] == 60_000, "60,000 samples in the blocks from IDX");
                JavaRDD<SampleBlock> cached = SampleBlocks.fromParquet(spark, pqDir, 0, PixelScaling.DIV_255).cache();
                cached.count();
                time("one pass over cached blocks (sum of labels)", 2, sparkRepeats,
                        () -> cached.map(b -> Arrays.stream(b.labels()).asLongStream().sum()).reduce(Long::sum));
                cached.unpersist();
            } finally {
                spark.stop();
            }
        } finally {
            try (var walk = Files.walk(work)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return 0;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark self-check failed: expected " + what);
        }
    }

    private static void time(String what, int warmups, int runs, Run r) throws Exception {
        for (int i = 0; i < warmups; i++) {
            r.run();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf(Locale.ROOT, "%-68s median %8.1f ms   min %8.1f   max %8.1f   (%d runs after %d warm-up)%n",
                what, ms[runs / 2], ms[0], ms[runs - 1], runs, warmups);
    }
}
