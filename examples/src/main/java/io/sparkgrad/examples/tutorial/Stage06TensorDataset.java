package io.sparkgrad.examples.tutorial;

import io.sparkgrad.data.Batch;
import io.sparkgrad.data.TensorDataset;
import io.sparkgrad.optim.SGD;
import java.io.PrintStream;

/**
 * Stage 6, "Refactor using Dataset": inputs and labels travel together in a {@code TensorDataset}.
 *
 * <pre>{@code
 * train_ds = TensorDataset(x_train, y_train)
 * for epoch in range(epochs):
 *     for i in range((n - 1) // bs + 1):
 *         xb, yb = train_ds[i * bs: i * bs + bs]
 *         pred = model(xb)
 *         loss = loss_func(pred, yb)
 *         loss.backward(); opt.step(); opt.zero_grad()
 * }</pre>
 */
@TutorialStage.Info(number = 6, title = "Refactor using Dataset")
public final class Stage06TensorDataset implements TutorialStage {
    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        var trainDs = new TensorDataset(data.xTrain(), data.yTrain());
        var model = new Stage04Linear.MnistLogistic();
        var opt = new SGD(model.parameters(), Stage01FromScratch.LR);
        int bs = Stage01FromScratch.BS;
        Batch firstSlice = slice(trainDs, 0, bs);
        var first = Validation.firstBatch(model::forward, firstSlice.x(), firstSlice.y(), out);
        int n = trainDs.size();
        for (int epoch = 0; epoch < Stage01FromScratch.EPOCHS; epoch++) {
            for (int i = 0; i < (n - 1) / bs + 1; i++) {
                Batch b = slice(trainDs, i * bs, Math.min(i * bs + bs, n));
                Stage05Optim.step(model, opt, b.x(), b.y());
            }
        }
        return Validation.report(model::forward, data, first, out);
    }

    /** {@code train_ds[from:to]}: rows {@code from .. to-1} of both tensors, as views (PyTorch's slicing copies nothing either). */
    static Batch slice(TensorDataset ds, int from, int to) {
        return new Batch(ds.x().narrow(0, from, to - from), ds.y().narrow(0, from, to - from));
    }
}
