package io.sparkgrad.examples.tutorial;

import io.sparkgrad.nn.F;
import io.sparkgrad.tensor.Tensor;
import java.io.PrintStream;
import java.util.function.UnaryOperator;

/**
 * Stage 2, "Using torch.nn.functional": the hand-written log_softmax and nll become one {@code F.cross_entropy}.
 *
 * <pre>{@code
 * import torch.nn.functional as F
 * loss_func = F.cross_entropy
 * def model(xb): return xb @ weights + bias
 * print(loss_func(model(xb), yb), accuracy(model(xb), yb))
 * }</pre>
 */
@TutorialStage.Info(number = 2, title = "Using torch.nn.functional (F.cross_entropy)")
public final class Stage02CrossEntropy implements TutorialStage {
    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        Tensor weights = Tensor.randn(784, 10).div((float) Math.sqrt(784)).requiresGrad(true);
        Tensor bias = Tensor.zeros(10).requiresGrad(true);
        UnaryOperator<Tensor> model = xb -> xb.matmul(weights).add(bias);

        var first = Validation.firstBatch(model, data, out);
        Stage01FromScratch.trainOnSlices(data, (xb, yb) -> {
            Tensor loss = F.crossEntropy(model.apply(xb), yb);
            loss.backward();
            Stage01FromScratch.updateByHand(weights, bias);
        });
        return Validation.report(model, data, first, out);
    }
}
