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
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

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
 * Arguments as {@code key=value}: {@code part=packing|asha|all}, {@code data=<MNIST folder>} (default: the cache),
 * {@code split=tutorial|official}, {@code trainLimit=N}, {@code validationLimit=N}, {@code trials=16},
 * {@code configs=27}, {@code maxEpochs=9}, {@code master=local[2]}, {@code threads=2}, {@code out=<folder>}.
 * The last line is {@code RESULT bench=sweep ...}.
 */
public final class SweepBench {
    private SweepBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>(Map.of("part", "all", "data", MnistCache.defaultDir().toUri().toString(),
                "split", "tutorial", "trainLimit", "0", "validationLimit", "0", "trials", "16", "configs", "27", "maxEpochs", "9",
                "master", "local[2]", "threads", "2"));
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0 || !a.containsKey(arg.substring(0, eq)) && !arg.startsWith("out=")) {
                throw new IllegalArgumentException("argument '" + arg + "': expected key=value with key one of " + a.keySet() + ", out");
            }
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Path out = a.containsKey("out") ? Path.of(a.get("out")) : Files.createTempDirectory("sweep-bench");
        String data = String.format(Locale.ROOT, "  data.dir: %s%n  data.split: %s%n  data.trainLimit: %s%n  data.validationLimit: %s%n",
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
                        + "  optimizer.momentum: 0.9\n  training.globalBatchSize: 64\n" + data;
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
                        + "  training.globalBatchSize: choice(32, 64, 128)\n" + data;
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
    }
}
