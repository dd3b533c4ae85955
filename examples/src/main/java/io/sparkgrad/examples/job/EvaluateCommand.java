package io.sparkgrad.examples.job;

import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.Scaling;
import io.sparkgrad.conf.cli.ConfigOptions;
import io.sparkgrad.conf.cli.SparkgradCli;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code sparkgrad evaluate}: a saved model's loss and accuracy on a labelled data set (the MNIST test set by default). */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Evaluate a saved model (model.safetensors) on a labelled data set, by default the MNIST test set, in one "
                    + "distributed pass on Spark.",
            "The last line is: RESULT test_accuracy=<x> test_loss=<x> samples=<n> model=<file>"},
        footer = {"", "Example:", "  sparkgrad evaluate --model-file runs/mnist-20261127-143005/model.safetensors"})
final class EvaluateCommand implements Callable<Integer> {
    @ParentCommand
    SparkgradCli parent;

    @Mixin
    ConfigOptions options;

    @Option(names = {"-m", "--model-file"}, required = true, paramLabel = "FILE",
            description = "The model's safetensors file (any Hadoop path), as the train command writes it.")
    String modelFile;

    @Option(names = "--model", paramLabel = "NAME",
            description = "The model zoo entry the file holds: tutorial-cnn, logistic or mnist-cnn. Default: the name in "
                    + "the file's metadata, else model.name.")
    String model;

    @Option(names = "--scaling", paramLabel = "SCALING",
            description = "Pixel scaling of the inputs: div255, div256 or normalize. Default: the one in the file's "
                    + "metadata, else data.scaling.")
    Scaling scaling;

    @Option(names = "--data", paramLabel = "PATH",
            description = "The data: mnist (the cached test set), a folder with MNIST IDX files (its t10k files), an IDX "
                    + "image file with its label file next to it, Parquet or CSV. Default: data.test.")
    String data;

    @Override
    public Integer call() throws Exception {
        JobConfig config = ConfigOptions.load(parent.options(), options).config();
        Evaluation.Summary s;
        SavedModel saved;
        try (JobSpark spark = JobSpark.start(config)) {
            var hadoop = spark.session().sparkContext().hadoopConfiguration();
            saved = SavedModel.load(modelFile, model, scaling, config, hadoop);
            String key = data != null ? "--data" : "data.test";
            DataSource source = SavedModelData.open(spark, config, data, key, saved, System.err::println);
            JobData.requireLabelledMnist(source, key);
            System.out.printf(Locale.ROOT, "Evaluating %s (%s) on %,d images of %s ...%n", saved.path(), saved.model().id(),
                    SavedModelData.count(source, config), source.description());
            s = Evaluation.evaluate(source.range(0, SavedModelData.count(source, config)), saved.model(), saved.parameters());
        }
        System.out.printf(Locale.ROOT, "RESULT test_accuracy=%.4f test_loss=%.4f samples=%d model=%s%n", s.accuracy(),
                s.meanLoss(), s.confusion().total(), saved.path());
        return 0;
    }
}
