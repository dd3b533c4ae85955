package io.sparkgrad.cli;

import io.sparkgrad.conf.cli.ConfigOptions;
import io.sparkgrad.job.MnistJob;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparkgrad train}: the distributed training job ({@link MnistJob}), MNIST by default. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Train a model (model.name, or a spec in model.layers) data-parallel on Spark on MNIST or any data "
                    + "(data.format parquet, csv or libsvm), evaluate it on the test set and write model.safetensors, "
                    + "metrics.jsonl, config.yaml, curves.png and confusion.png to the output folder "
                    + "(output.outputDir, default runs/mnist-<date>-<time>).",
            "Embedded (local[*]) with the local preset; under spark-submit (bin/sparkgrad-submit ... -- train) on the "
                    + "master spark-submit was given.",
            "The last line is: RESULT test_accuracy=<x> test_loss=<x> epochs=<n> seconds=<s> output=<folder>"},
        footer = {"", "Examples:",
            "  sparkgrad train",
            "  sparkgrad train --set training.epochs=1 --set model.name=tutorial-cnn --set optimizer.name=sgd "
                    + "--set optimizer.lr=0.1",
            "  sparkgrad train --set output.outputDir=runs/a --resume",
            "  sparkgrad train --set model.layers='linear(64) relu linear(10)' --set data.format=parquet "
                    + "--set data.train=train.parquet --set data.test=test.parquet --set data.validationFraction=0.1",
            "Every key and its current value: sparkgrad config"})
final class TrainCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--resume",
            description = "Continue from the newest checkpoint in output.checkpointDir (the run's folder must be named "
                    + "with --set output.outputDir=...; the configuration must match the checkpoint's).")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        MnistJob.run(options.load(), resume, System.out);
        return 0;
    }
}
