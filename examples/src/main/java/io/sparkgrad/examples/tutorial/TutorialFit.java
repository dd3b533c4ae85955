package io.sparkgrad.examples.tutorial;

import io.sparkgrad.data.Batch;
import io.sparkgrad.data.DataLoader;
import io.sparkgrad.data.TensorDataset;
import io.sparkgrad.nn.Module;
import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.tensor.Tensor;
import java.io.PrintStream;
import java.util.function.BinaryOperator;

/**
 * Stage 9's helpers, which the later stages reuse, as the tutorial does.
 *
 * <pre>{@code
 * def loss_batch(model, loss_func, xb, yb, opt=None):
 *     loss = loss_func(model(xb), yb)
 *     if opt is not None:
 *         loss.backward(); opt.step(); opt.zero_grad()
 *     return loss.item(), len(xb)
 *
 * def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
 *     for epoch in range(epochs):
 *         model.train()
 *         for xb, yb in train_dl: loss_batch(model, loss_func, xb, yb, opt)
 *         model.eval()
 *         with torch.no_grad():
 *             losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
 *         val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
 *         print(epoch, val_loss)
 *
 * def get_data(train_ds, valid_ds, bs):
 *     return DataLoader(train_ds, batch_size=bs, shuffle=True), DataLoader(valid_ds, batch_size=bs * 2)
 * }</pre>
 */
public final class TutorialFit {
    private TutorialFit() {
    }

    /** Loss and batch size of one batch; with an optimizer, also a training step. */
    public record BatchLoss(double loss, int n) {
    }

    public static BatchLoss lossBatch(Module model, BinaryOperator<Tensor> lossFunc, Tensor xb, Tensor yb, Optimizer opt) {
        Tensor loss = lossFunc.apply(model.forward(xb), yb);
        if (opt != null) {
            loss.backward();
            opt.step();
            opt.zeroGrad();
        }
        return new BatchLoss(loss.item(), xb.size(0));
    }

    /** Trains for {@code epochs}, printing the validation loss after each; returns the last one. */
    public static double fit(int epochs, Module model, BinaryOperator<Tensor> lossFunc, Optimizer opt, Iterable<Batch> trainDl,
            Iterable<Batch> validDl, PrintStream out) {
        double valLoss = Double.NaN;
        for (int epoch = 0; epoch < epochs; epoch++) {
            model.train();
            for (Batch b : trainDl) {
                lossBatch(model, lossFunc, b.x(), b.y(), opt);
            }
            model.eval();
            double weighted = 0;
            int count = 0;
            try (var noGrad = Tensor.noGrad()) {
                for (Batch b : validDl) {
                    BatchLoss bl = lossBatch(model, lossFunc, b.x(), b.y(), null);
                    weighted += bl.loss() * bl.n();
                    count += bl.n();
                }
            }
            valLoss = weighted / count;
            out.println(epoch + " " + (float) valLoss);
        }
        return valLoss;
    }

    /** The training loader (shuffled) and the validation loader (twice the batch size). */
    public static DataLoader[] getData(TensorDataset trainDs, TensorDataset validDs, int bs) {
        return new DataLoader[] {new DataLoader(trainDs, bs, true), new DataLoader(validDs, bs * 2)};
    }

    /** {@link #getData(TensorDataset, TensorDataset, int)} of the tutorial's {@code train_ds} and {@code valid_ds}. */
    public static DataLoader[] getData(TutorialData data, int bs) {
        return getData(new TensorDataset(data.xTrain(), data.yTrain()), new TensorDataset(data.xValid(), data.yValid()), bs);
    }
}
