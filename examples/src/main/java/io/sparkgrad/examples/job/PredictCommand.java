package io.sparkgrad.examples.job;

import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.Scaling;
import io.sparkgrad.conf.cli.ConfigOptions;
import io.sparkgrad.conf.cli.SparkgradCli;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code sparkgrad predict}: a saved model's predictions for a set of images, as CSV. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Classify images with a saved model (model.safetensors) in one distributed pass on Spark and write one CSV "
                    + "line per image: index,label,prediction,p0,...,p9 (label empty for unlabelled images, p0-p9 the "
                    + "class probabilities).",
            "The last line is: RESULT predictions=<n> accuracy=<x or NaN without labels> output=<csv>"},
        footer = {"", "Examples:",
            "  sparkgrad predict -m runs/mnist-20261127-143005/model.safetensors --out predictions.csv",
            "  sparkgrad predict -m model.safetensors --data my-images-idx3-ubyte.gz --out my.csv"})
final class PredictCommand implements Callable<Integer> {
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
            description = "The images: mnist (the cached test set), a folder with MNIST IDX files (its t10k files), an IDX "
                    + "image file (labelled when its label file is next to it), Parquet or CSV. Default: data.test.")
    String data;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "CSV",
            description = "Where to write the predictions (any Hadoop path; replaced if it exists).")
    String out;

    @Override
    public Integer call() throws Exception {
        JobConfig config = ConfigOptions.load(parent.options(), options).config();
        Evaluation.Predictions p;
        String shown;
        try (JobSpark spark = JobSpark.start(config)) {
            var hadoop = spark.session().sparkContext().hadoopConfiguration();
            SavedModel saved = SavedModel.load(modelFile, model, scaling, config, hadoop);
            DataSource source = SavedModelData.open(spark, config, data, data != null ? "--data" : "data.test", saved,
                    System.err::println);
            long n = SavedModelData.count(source, config);
            System.out.printf(Locale.ROOT, "Predicting %,d images of %s with %s (%s) ...%n", n, source.description(),
                    saved.path(), saved.model().id());
            p = Evaluation.predict(source.range(0, n), saved.model(), saved.parameters());
            OutputFiles.write(out, hadoop, PredictionsCsv.render(p).getBytes(StandardCharsets.UTF_8));
            shown = OutputFiles.display(out, hadoop);
        }
        System.out.printf(Locale.ROOT, "RESULT predictions=%d accuracy=%s output=%s%n", p.size(),
                p.summary().confusion().total() == 0 ? "NaN" : String.format(Locale.ROOT, "%.4f", p.summary().accuracy()), shown);
        return 0;
    }
}
