package io.sparkgrad.examples.tutorial;

import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Module;
import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.tensor.Tensor;
import java.io.PrintStream;

/**
 * Stage 5, "Refactor using torch.optim": the manual update becomes {@code opt.step(); opt.zero_grad()}.
 *
 * <pre>{@code
 * model, opt = get_model()   # Mnist_Logistic(), optim.SGD(model.parameters(), lr=lr)
 * for epoch in range(epochs):
 *     for i in range((n - 1) // bs + 1):
 *         ...
 *         loss.backward()
 *         opt.step()
 *         opt.zero_grad()
 * }</pre>
 */
@TutorialStage.Info(number = 5, title = "Refactor using torch.optim")
public final class Stage05Optim implements TutorialStage {
    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        var model = new Stage04Linear.MnistLogistic();
        var opt = new SGD(model.parameters(), Stage01FromScratch.LR);
        var first = Validation.firstBatch(model::forward, data, out);
        Stage01FromScratch.trainOnSlices(data, (xb, yb) -> step(model, opt, xb, yb));
        return Validation.report(model::forward, data, first, out);
    }

    /** The training step with an optimizer, which stages 6 to 8 reuse: {@code loss.backward(); opt.step(); opt.zero_grad()}. */
    static void step(Module model, Optimizer opt, Tensor xb, Tensor yb) {
        Tensor loss = F.crossEntropy(model.forward(xb), yb);
        loss.backward();
        opt.step();
        opt.zeroGrad();
    }
}
