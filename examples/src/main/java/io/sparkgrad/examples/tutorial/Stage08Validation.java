package io.sparkgrad.examples.tutorial;

import io.sparkgrad.data.Batch;
import io.sparkgrad.data.DataLoader;
import io.sparkgrad.data.TensorDataset;
import io.sparkgrad.nn.F;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.tensor.Tensor;
import java.io.PrintStream;

/**
 * Stage 8, "Add validation": a shuffled training loader, a validation loader of twice the batch size, and
 * {@code model.train()} / {@code model.eval()} around the two passes.
 *
 * <pre>{@code
 * train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True)
 * valid_dl = DataLoader(valid_ds, batch_size=bs * 2)
 * for epoch in range(epochs):
 *     model.train()
 *     for xb, yb in train_dl: ...
 *     model.eval()
 *     with torch.no_grad():
 *         valid_loss = sum(loss_func(model(xb), yb) for xb, yb in valid_dl)
 *     print(epoch, valid_loss / len(valid_dl))
 * }</pre>
 */
@TutorialStage.Info(number = 8, title = "Add validation")
public final class Stage08Validation implements TutorialStage {
    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        int bs = Stage01FromScratch.BS;
        var trainDl = new DataLoader(new TensorDataset(data.xTrain(), data.yTrain()), bs, true);
        var validDl = new DataLoader(new TensorDataset(data.xValid(), data.yValid()), bs * 2);
        var model = new Stage04Linear.MnistLogistic();
        var opt = new SGD(model.parameters(), Stage01FromScratch.LR);
        Batch firstBatch = trainDl.iterator().next();
        var first = Validation.firstBatch(model::forward, firstBatch.x(), firstBatch.y(), out);
        for (int epoch = 0; epoch < Stage01FromScratch.EPOCHS; epoch++) {
            model.train();
            for (Batch b : trainDl) {
                Stage05Optim.step(model, opt, b.x(), b.y());
            }
            model.eval();
            double validLoss = 0;
            try (var noGrad = Tensor.noGrad()) {
                for (Batch b : validDl) {
                    validLoss += F.crossEntropy(model.forward(b.x()), b.y()).item();
                }
            }
            out.println(epoch + " " + (float) (validLoss / validDl.size()));
        }
        return Validation.report(model::forward, data, first, out);
    }
}
