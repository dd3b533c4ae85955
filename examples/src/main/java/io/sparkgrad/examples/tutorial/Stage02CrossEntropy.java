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
public final class Stage02CrossEntropy implements TutorialStage {

    @Override
    public int number() {
        return 2;
    }

    @Override
    public String title() {
        return "Using torch.nn.functional (F.cross_entropy)";
    }

    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        Tensor weights = Tensor.randn(784, 10).div((float) Math.sqrt(784)).requiresGrad(true);
        Tensor bias = Tensor.zeros(10).requiresGrad(true);
        UnaryOperator<Tensor> model = xb -> xb.matmul(weights).add(bias);

        Tensor xb = data.xTrain().narrow(0, 0, Stage01FromScratch.BS);
        Tensor yb = data.yTrain().narrow(0, 0, Stage01FromScratch.BS);
        double firstLoss = F.crossEntropy(model.apply(xb), yb).item();
        double firstAcc = F.accuracy(model.apply(xb), yb);
        out.printf("loss %.4f accuracy %.4f%n", firstLoss, firstAcc);

        int n = data.n();
        int bs = Stage01FromScratch.BS;
        for (int epoch = 0; epoch < Stage01FromScratch.EPOCHS; epoch++) {
            for (int i = 0; i < (n - 1) / bs + 1; i++) {
                int start = i * bs;
                int len = Math.min(bs, n - start);
                Tensor loss = F.crossEntropy(model.apply(data.xTrain().narrow(0, start, len)), data.yTrain().narrow(0, start, len));
                loss.backward();
                try (var noGrad = Tensor.noGrad()) {
                    weights.sub_(weights.grad().mul(Stage01FromScratch.LR));
                    bias.sub_(bias.grad().mul(Stage01FromScratch.LR));
                    weights.grad().zero_();
                    bias.grad().zero_();
                }
            }
        }
        return Validation.report(model, data, firstLoss, firstAcc, out);
    }
}
