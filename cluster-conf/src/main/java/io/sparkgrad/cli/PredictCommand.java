package io.sparkgrad.cli;

import io.sparkgrad.conf.cli.ConfigOptions;
import io.sparkgrad.job.Evaluation;
import io.sparkgrad.job.OutputFiles;
import io.sparkgrad.job.PredictionsCsv;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
    @Mixin
    ConfigOptions options;

    @Mixin
    SavedModelOptions saved;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "CSV",
            description = "Where to write the predictions (any Hadoop path; replaced if it exists).")
    String out;

    @Override
    public Integer call() throws Exception {
        saved.run(options.load().config(), false, (model, data) -> {
            System.out.printf(Locale.ROOT, "Predicting %,d images of %s with %s (%s) ...%n", data.records(), data.source().description(),
                    model.path(), model.model().label());
            Evaluation.Predictions p = Evaluation.predict(data.blocks(), model.model(), model.parameters());
            OutputFiles.write(out, data.hadoop(), PredictionsCsv.render(p).getBytes(StandardCharsets.UTF_8));
            return String.format(Locale.ROOT, "RESULT predictions=%d accuracy=%s output=%s", p.size(), p.summary().confusion().total() == 0
                    ? "NaN" : String.format(Locale.ROOT, "%.4f", p.summary().accuracy()), OutputFiles.display(out, data.hadoop()));
        });
        return 0;
    }
}
