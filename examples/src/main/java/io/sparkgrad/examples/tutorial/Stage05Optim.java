package io.sparkgrad.examples.tutorial;

import io.sparkgrad.nn.F;
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
public final class Stage05Optim implements TutorialStage {

    @Override
    public int number() {
        return 5;
    }

    @Override
    public String title() {
        return "Refactor using torch.optim";
    }

    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        var model = new Stage04Linear.MnistLogistic();
        var opt = new SGD(model.parameters(), Stage01FromScratch.LR);
        Tensor xb = data.xTrain().narrow(0, 0, Stage01FromScratch.BS);
        Tensor yb = data.yTrain().narrow(0, 0, Stage01FromScratch.BS);
        double firstLoss = F.crossEntropy(model.forward(xb), yb).item();
        double firstAcc = F.accuracy(model.forward(xb), yb);
        out.printf("loss %.4f accuracy %.4f%n", firstLoss, firstAcc);
        int n = data.n();
        int bs = Stage01FromScratch.BS;
        for (int epoch = 0; epoch < Stage01FromScratch.EPOCHS; epoch++) {
            for (int i = 0; i < (n - 1) / bs + 1; i++) {
                int start = i * bs;
                int len = Math.min(bs, n - start);
                Tensor loss = F.crossEntropy(model.forward(data.xTrain().narrow(0, start, len)), data.yTrain().narrow(0, start, len));
                loss.backward();
                opt.step();
                opt.zeroGrad();
            }
        }
        return Validation.report(model::forward, data, firstLoss, firstAcc, out);
    }
}
