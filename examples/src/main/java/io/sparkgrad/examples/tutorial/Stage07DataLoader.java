package io.sparkgrad.examples.tutorial;

import io.sparkgrad.data.Batch;
import io.sparkgrad.data.DataLoader;
import io.sparkgrad.data.TensorDataset;
import io.sparkgrad.optim.SGD;
import java.io.PrintStream;

/**
 * Stage 7, "Refactor using DataLoader": the loader hands out the minibatches.
 *
 * <pre>{@code
 * train_dl = DataLoader(train_ds, batch_size=bs)
 * for epoch in range(epochs):
 *     for xb, yb in train_dl:
 *         pred = model(xb)
 *         loss = loss_func(pred, yb)
 *         loss.backward(); opt.step(); opt.zero_grad()
 * }</pre>
 */
@TutorialStage.Info(number = 7, title = "Refactor using DataLoader")
public final class Stage07DataLoader implements TutorialStage {
    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        var trainDs = new TensorDataset(data.xTrain(), data.yTrain());
        var trainDl = new DataLoader(trainDs, Stage01FromScratch.BS);
        var model = new Stage04Linear.MnistLogistic();
        var opt = new SGD(model.parameters(), Stage01FromScratch.LR);
        Batch firstBatch = trainDl.iterator().next();
        var first = Validation.firstBatch(model::forward, firstBatch.x(), firstBatch.y(), out);
        for (int epoch = 0; epoch < Stage01FromScratch.EPOCHS; epoch++) {
            for (Batch b : trainDl) {
                Stage05Optim.step(model, opt, b.x(), b.y());
            }
        }
        return Validation.report(model::forward, data, first, out);
    }
}
