package io.sparkgrad.examples.tutorial;

import io.sparkgrad.data.Batch;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Module;
import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.tensor.Tensor;
import java.io.PrintStream;
import java.util.function.UnaryOperator;

/** What the CNN stages (10-13) share: report the first batch, fit for the tutorial's epochs, report validation. */
final class CnnStages {
    private CnnStages() {
    }

    static StageResult firstBatchThenFit(Module model, Optimizer opt, Iterable<Batch> trainDl, Iterable<Batch> validDl,
            TutorialData data, PrintStream out) {
        return firstBatchThenFit(model, opt, trainDl, validDl, data, out, model::forward);
    }

    /** As above, where the model needs the flat validation images preprocessed ({@code evalModel}). */
    static StageResult firstBatchThenFit(Module model, Optimizer opt, Iterable<Batch> trainDl, Iterable<Batch> validDl,
            TutorialData data, PrintStream out, UnaryOperator<Tensor> evalModel) {
        Batch firstBatch = trainDl.iterator().next();
        var first = Validation.firstBatch(model::forward, firstBatch.x(), firstBatch.y(), out);
        TutorialFit.fit(Stage01FromScratch.EPOCHS, model, F::crossEntropy, opt, trainDl, validDl, out);
        model.eval();
        return Validation.report(evalModel, data, first, out);
    }
}
