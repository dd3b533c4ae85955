package io.sparkgrad.examples.tutorial;

import io.sparkgrad.nn.Linear;
import io.sparkgrad.nn.Module;
import io.sparkgrad.tensor.Tensor;
import java.io.PrintStream;

/**
 * Stage 4, "Refactor using nn.Linear": the hand-made parameters become one {@code Linear(784, 10)}.
 *
 * <pre>{@code
 * class Mnist_Logistic(nn.Module):
 *     def __init__(self):
 *         super().__init__()
 *         self.lin = nn.Linear(784, 10)
 *     def forward(self, xb): return self.lin(xb)
 * }</pre>
 */
@TutorialStage.Info(number = 4, title = "Refactor using nn.Linear")
public final class Stage04Linear implements TutorialStage {

    /** {@code Mnist_Logistic} with {@code nn.Linear}. */
    static final class MnistLogistic extends Module {
        final Linear lin;

        MnistLogistic() {
            lin = registerModule("lin", new Linear(784, 10));
        }

        @Override
        public Tensor forward(Tensor xb) {
            return lin.forward(xb);
        }
    }

    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        MnistLogistic model = new MnistLogistic();
        var first = Validation.firstBatch(model::forward, data, out);
        Stage03Module.fit(model, data);
        return Validation.report(model::forward, data, first, out);
    }
}
