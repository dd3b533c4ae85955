package io.sparkgrad.examples.tutorial;

import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Parameter;
import io.sparkgrad.tensor.Tensor;
import java.io.PrintStream;

/**
 * Stage 3, "Refactor using nn.Module": the weights become {@code Parameter}s of a {@code Module}, and the update loop
 * walks {@code model.parameters()}.
 *
 * <pre>{@code
 * class Mnist_Logistic(nn.Module):
 *     def __init__(self):
 *         super().__init__()
 *         self.weights = nn.Parameter(torch.randn(784, 10) / math.sqrt(784))
 *         self.bias = nn.Parameter(torch.zeros(10))
 *     def forward(self, xb): return xb @ self.weights + self.bias
 * def fit():
 *     for epoch in range(epochs):
 *         for i in range((n - 1) // bs + 1):
 *             ...
 *             loss.backward()
 *             with torch.no_grad():
 *                 for p in model.parameters(): p -= p.grad * lr
 *                 model.zero_grad()
 * }</pre>
 */
@TutorialStage.Info(number = 3, title = "Refactor using nn.Module")
public final class Stage03Module implements TutorialStage {

    /** {@code Mnist_Logistic}. */
    static final class MnistLogistic extends Module {
        final Parameter weights;
        final Parameter bias;

        MnistLogistic() {
            weights = registerParameter("weights", new Parameter(Tensor.randn(784, 10).div((float) Math.sqrt(784))));
            bias = registerParameter("bias", new Parameter(Tensor.zeros(10)));
        }

        @Override
        public Tensor forward(Tensor xb) {
            return xb.matmul(weights).add(bias);
        }
    }

    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        MnistLogistic model = new MnistLogistic();
        var first = Validation.firstBatch(model::forward, data, out);
        fit(model, data);
        return Validation.report(model::forward, data, first, out);
    }

    /** The tutorial's {@code fit()} of stages 3 and 4: a manual update over {@code model.parameters()}. */
    static void fit(Module model, TutorialData data) {
        Stage01FromScratch.trainOnSlices(data, (xb, yb) -> {
            Tensor loss = F.crossEntropy(model.forward(xb), yb);
            loss.backward();
            try (var noGrad = Tensor.noGrad()) {
                for (Parameter p : model.parameters()) {
                    p.sub_(p.grad().mul(Stage01FromScratch.LR));
                }
                model.zeroGrad();
            }
        });
    }
}
