package io.sparkgrad.trainer.bench;

import io.sparkgrad.ingest.mnist.MnistCache;
import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.trainer.SparkgradKryoRegistrator;
import io.sparkgrad.trainer.sweep.Searcher;
import io.sparkgrad.trainer.sweep.Sweep;
import io.sparkgrad.trainer.sweep.SweepConfig;
import io.sparkgrad.trainer.sweep.SweepResult;
import io.sparkgrad.trainer.sweep.TrialConfig;
import io.sparkgrad.trainer.sweep.TrialData;
import io.sparkgrad.trainer.sweep.TrialTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The sweep benchmark of issue 12, two parts:
 *
 * <ul>
 *   <li>{@code packing}: {@code --trials} (16) one-epoch trials of the tutorial CNN in trial-per-task mode on
 *       {@code --master} (local[2]), against the same trials back to back in this process with
 *       {@code --threads} (2) engine threads; {@code packing} is the sequential time over the sweep's training time
 *       (target at least 0.9);</li>
 *   <li>{@code asha}: the same {@code --configs} (27) sampled configurations of the MNIST CNN (lr, optimizer, batch)
 *       with ASHA (max 9 epochs, factor 3, grace 1) and with no early stopping: the best accuracy of each and the epochs
 *       each trained (target: ASHA's best within 0.002 of the full runs' best with at most a third of the epochs).</li>
 * </ul>
 *
 * Options: {@code --part packing|asha|all}, {@code --data <MNIST folder>} (default: the cache),
 * {@code --split tutorial|official}, {@code --train-limit N}, {@code --validation-limit N}, {@code --trials 16},
 * {@code --configs 27}, {@code --max-epochs 9}, {@code --master local[2]}, {@code --threads 2}, {@code --out <folder>}
 * ({@code bin/bench sweep --help}). The last line is {@code RESULT bench=sweep ...}.
 */
@Command(name = "bench sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Sweep benchmark (issue 12): packing efficiency of trial-per-task trials, and ASHA against full runs.")
public final class SweepBench implements Callable<Integer> {
    @Option(names = "--part", defaultValue = "all", description = "packing, asha or all (default ${DEFAULT-VALUE}).")
    String part;

    @Option(names = "--data", description = "The MNIST folder, any Hadoop path (default: the download cache).")
    String data;

    @Option(names = "--split", defaultValue = "tutorial", description = "tutorial or official (default ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--train-limit", defaultValue = "0", description = "At most this many training images, 0 for all (default ${DEFAULT-VALUE}).")
    int trainLimit;

    @Option(names = "--validation-limit", defaultValue = "0",
            description = "At most this many validation images, 0 for all (default ${DEFAULT-VALUE}).")
    int validationLimit;

    @Option(names = "--trials", defaultValue = "16", description = "Packing: one-epoch trials (default ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--configs", defaultValue = "27", description = "ASHA: sampled configurations (default ${DEFAULT-VALUE}).")
    int configs;

    @Option(names = "--max-epochs", defaultValue = "9", description = "ASHA: the most epochs a trial trains (default ${DEFAULT-VALUE}).")
    int maxEpochs;

    @Option(names = "--master", defaultValue = "local[2]", description = "Spark master (default ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--threads", defaultValue = "2",
            description = "Packing: engine threads of the back-to-back baseline (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--out", description = "The sweeps' folders go here (default: a new temporary folder).")
    Path outDir;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SweepBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (!List.of("packing", "asha", "all").contains(part)) {
            throw new ParameterException(new CommandLine(this), "--part '" + part + "': expected packing, asha or all");
        }
        Map<String, String> a = new LinkedHashMap<>();
        a.put("part", part);
        a.put("data", data != null ? data : MnistCache.defaultDir().toUri().toString());
        a.put("split", split);
        a.put("trainLimit", Integer.toString(trainLimit));
        a.put("validationLimit", Integer.toString(validationLimit));
        a.put("trials", Integer.toString(trials));
        a.put("configs", Integer.toString(configs));
        a.put("maxEpochs", Integer.toString(maxEpochs));
        a.put("master", master);
        a.put("threads", Integer.toString(threads));
        Path out = outDir != null ? outDir : Files.createTempDirectory("sweep-bench");
        String dataKeys = String.format(Locale.ROOT, "  data.dir: %s%n  data.split: %s%n  data.trainLimit: %s%n  data.validationLimit: %s%n",
                a.get("data"), a.get("split"), a.get("trainLimit"), a.get("validationLimit"));
        SparkConf conf = SparkgradKryoRegistrator.configure(new SparkConf()).setMaster(a.get("master")).setAppName("sweep-bench")
                .set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        StringBuilder result = new StringBuilder("RESULT bench=sweep");
        try (SparkSession spark = SparkSession.builder().config(conf).getOrCreate()) {
            spark.sparkContext().setLogLevel("WARN");
            if (!a.get("part").equals("asha")) {
                String yaml = "sweep:\n  trials: " + a.get("trials") + "\n  seed: 1\n  scheduler: {name: none, maxEpochs: 1}\n  parallelism: "
                        + spark.sparkContext().defaultParallelism() + "\nspace:\n  model: tutorial-cnn\n  optimizer.lr: loguniform(0.01, 0.3)\n"
                        + "  optimizer.momentum: 0.9\n  training.globalBatchSize: 64\n" + dataKeys;
                SweepConfig config = SweepConfig.parse(yaml);
                Searcher searcher = config.searcher();
                // Both sides find the data cached: this JVM is the local executor too.
                TrialData cached = TrialData.of(TrialConfig.of(searcher.config(0), config.seed()), new Configuration());
                int before = Parallelism.numThreads();
                Parallelism.setNumThreads(Integer.parseInt(a.get("threads")));
                // Warm-up, untimed: the JIT for both sides, Spark's first (slower) jobs for the sweep.
                new TrialTrainer(TrialConfig.of(searcher.config(0), config.seed())).trainEpoch(cached.train());
                Sweep.builder(spark, SweepConfig.parse(yaml.replace("trials: " + a.get("trials"), "trials: 2")))
                        .output(out.resolve("warm-up").toUri().toString()).console(null).build().run();
                Parallelism.setNumThreads(Integer.parseInt(a.get("threads")));
                long t0 = System.nanoTime();
                for (int i = 0; i < searcher.trials(); i++) {
                    TrialTrainer t = new TrialTrainer(TrialConfig.of(searcher.config(i), config.seed()));
                    t.trainEpoch(cached.train());
                    t.evaluate(cached.validation());
                }
                double sequential = (System.nanoTime() - t0) / 1e9;
                Parallelism.setNumThreads(before);
                SweepResult r = Sweep.builder(spark, config).output(out.resolve("packing").toUri().toString()).build().run();
                double packing = sequential / r.trainSeconds();
                System.out.printf(Locale.ROOT, "packing: %d one-epoch trials, sequential with %s threads %.1f s, trial-per-task on %s %.1f s: %.3f%n",
                        searcher.trials(), a.get("threads"), sequential, a.get("master"), r.trainSeconds(), packing);
                result.append(String.format(Locale.ROOT, " packing=%.3f sequential_s=%.1f sweep_s=%.1f", packing, sequential, r.trainSeconds()));
            }
            if (!a.get("part").equals("packing")) {
                String space = "space:\n  model: mnist-cnn\n  optimizer.lr: loguniform(0.0003, 0.3)\n  optimizer.name: choice(sgd, adam)\n"
                        + "  training.globalBatchSize: choice(32, 64, 128)\n" + dataKeys;
                String head = "sweep:\n  trials: " + a.get("configs") + "\n  seed: 12\n  parallelism: " + spark.sparkContext().defaultParallelism() + "\n";
                SweepResult asha = Sweep.builder(spark, SweepConfig.parse(head + "  scheduler: {name: asha, maxEpochs: " + a.get("maxEpochs")
                        + ", reductionFactor: 3, graceEpochs: 1}\n" + space)).output(out.resolve("asha").toUri().toString()).build().run();
                SweepResult full = Sweep.builder(spark, SweepConfig.parse(head + "  scheduler: {name: none, maxEpochs: " + a.get("maxEpochs")
                        + "}\n" + space)).output(out.resolve("full").toUri().toString()).build().run();
                result.append(String.format(Locale.ROOT, " asha_best=%.4f full_best=%.4f asha_epochs=%d full_epochs=%d epochs_ratio=%.3f",
                        asha.bestValue(), full.bestValue(), asha.epochsTrained(), full.epochsTrained(),
                        (double) asha.epochsTrained() / full.epochsTrained()));
            }
        }
        System.out.println(result.append(" output=").append(out));
        return 0;
    }
}
