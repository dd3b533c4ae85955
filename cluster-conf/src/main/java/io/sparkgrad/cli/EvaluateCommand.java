package io.sparkgrad.cli;

import io.sparkgrad.conf.cli.ConfigOptions;
import io.sparkgrad.job.Evaluation;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code sparkgrad evaluate}: a saved model's loss and accuracy on a labelled data set (the MNIST test set by default). */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Evaluate a saved model (model.safetensors) on a labelled data set, by default the MNIST test set, in one "
                    + "distributed pass on Spark.",
            "The last line is: RESULT test_accuracy=<x> test_loss=<x> samples=<n> model=<file>"},
        footer = {"", "Example:", "  sparkgrad evaluate --model-file runs/mnist-20261127-143005/model.safetensors"})
final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Mixin
    SavedModelOptions saved;

    @Override
    public Integer call() throws Exception {
        saved.run(options.load().config(), true, (model, data) -> {
            System.out.printf(Locale.ROOT, "Evaluating %s (%s) on %,d images of %s ...%n", model.path(), model.model().label(),
                    data.records(), data.source().description());
            Evaluation.Summary s = Evaluation.evaluate(data.blocks(), model.model(), model.parameters());
            return String.format(Locale.ROOT, "RESULT test_accuracy=%.4f test_loss=%.4f samples=%d model=%s", s.accuracy(),
                    s.meanLoss(), s.confusion().total(), model.path());
        });
        return 0;
    }
}
