package io.sparkgrad.examples.tutorial;

import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Reduction;
import io.sparkgrad.tensor.Tensor;
import java.io.PrintStream;
import java.util.function.UnaryOperator;

/** The validation figures every stage reports: mean cross-entropy and accuracy over the 10,000 validation images. */
final class Validation {
    private static final int BATCH = 1000;

    private Validation() {
    }

    /** Loss and accuracy of the first batch, before any training. */
    record FirstBatch(double loss, double accuracy) {
    }

    /**
     * The tutorial's check before training, {@code print(loss_func(model(xb), yb), accuracy(model(xb), yb))} on the
     * first {@code bs} training samples: prints and returns them.
     */
    static FirstBatch firstBatch(UnaryOperator<Tensor> model, TutorialData data, PrintStream out) {
        return firstBatch(model, data.xTrain().narrow(0, 0, Stage01FromScratch.BS), data.yTrain().narrow(0, 0, Stage01FromScratch.BS),
                out);
    }

    /** As above, on the batch {@code xb, yb}. */
    static FirstBatch firstBatch(UnaryOperator<Tensor> model, Tensor xb, Tensor yb, PrintStream out) {
        FirstBatch first;
        try (var noGrad = Tensor.noGrad()) {
            Tensor logits = model.apply(xb);
            first = new FirstBatch(F.crossEntropy(logits, yb).item(), F.accuracy(logits, yb));
        }
        out.printf("loss %.4f accuracy %.4f%n", first.loss(), first.accuracy());
        return first;
    }

    static StageResult report(UnaryOperator<Tensor> model, TutorialData data, FirstBatch first, PrintStream out) {
        return report(model, data, first.loss(), first.accuracy(), out);
    }

    static StageResult report(UnaryOperator<Tensor> model, TutorialData data, double firstLoss, double firstAcc, PrintStream out) {
        double lossSum = 0;
        double correct = 0;
        int n = data.xValid().size(0);
        try (var noGrad = Tensor.noGrad()) {
            for (int start = 0; start < n; start += BATCH) {
                int len = Math.min(BATCH, n - start);
                Tensor logits = model.apply(data.xValid().narrow(0, start, len));
                // The model may have moved the images to its device (stage 13): the labels follow the logits.
                Tensor yb = data.yValid().narrow(0, start, len).to(logits.device());
                lossSum += F.crossEntropy(logits, yb, Reduction.SUM).item();
                correct += logits.argmax(1).eq(yb).sum().item();
            }
        }
        double loss = lossSum / n;
        double acc = correct / n;
        out.printf("validation: loss %.4f accuracy %.4f%n", loss, acc);
        return new StageResult(firstLoss, firstAcc, loss, acc);
    }
}
