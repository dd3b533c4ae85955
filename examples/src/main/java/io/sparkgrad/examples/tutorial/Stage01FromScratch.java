package io.sparkgrad.examples.tutorial;

import io.sparkgrad.data.Batch;
import io.sparkgrad.tensor.Tensor;
import java.io.PrintStream;
import java.util.function.BiConsumer;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

/**
 * Stage 1, "Neural net from scratch (no torch.nn)": a logistic-regression model written with tensor operations only.
 *
 * <pre>{@code
 * weights = torch.randn(784, 10) / math.sqrt(784)
 * weights.requires_grad_()
 * bias = torch.zeros(10, requires_grad=True)
 * def log_softmax(x): return x - x.exp().sum(-1).log().unsqueeze(-1)
 * def model(xb): return log_softmax(xb @ weights + bias)
 * def nll(input, target): return -input[range(target.shape[0]), target].mean()
 * def accuracy(out, yb): return (torch.argmax(out, dim=1) == yb).float().mean()
 * for epoch in range(epochs):
 *     for i in range((n - 1) // bs + 1):
 *         xb = x_train[start_i:end_i]; yb = y_train[start_i:end_i]
 *         loss = loss_func(model(xb), yb)
 *         loss.backward()
 *         with torch.no_grad():
 *             weights -= weights.grad * lr
 *             bias -= bias.grad * lr
 *             weights.grad.zero_()
 *             bias.grad.zero_()
 * }</pre>
 */
@TutorialStage.Info(number = 1, title = "Neural net from scratch (no torch.nn)")
public final class Stage01FromScratch implements TutorialStage {
    static final int BS = 64;
    static final float LR = 0.5f;
    static final int EPOCHS = 2;

    /** The tutorial's hand-written log_softmax. */
    static Tensor logSoftmax(Tensor x) {
        return x.sub(x.exp().sum(-1, false).log().unsqueeze(-1));
    }

    /** {@code -input[range(n), target].mean()}. */
    static Tensor nll(Tensor input, Tensor target) {
        return input.gather(1, target.unsqueeze(1)).mean().neg();
    }

    /** {@code (argmax(out, 1) == yb).float().mean()}. */
    static double accuracy(Tensor out, Tensor yb) {
        return out.argmax(1).eq(yb).mean().item();
    }

    /**
     * The tutorial's training loop: for each of the {@code epochs}, {@code step} on every slice
     * {@code xb = x_train[i*bs : i*bs+bs]}, {@code yb = y_train[...]} in order; returns the last slice.
     */
    static Batch trainOnSlices(TutorialData data, BiConsumer<Tensor, Tensor> step) {
        int n = data.n();
        Batch last = null;
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            for (int i = 0; i < (n - 1) / BS + 1; i++) {
                int start = i * BS;
                int len = Math.min(BS, n - start);
                last = new Batch(data.xTrain().narrow(0, start, len), data.yTrain().narrow(0, start, len));
                step.accept(last.x(), last.y());
            }
        }
        return last;
    }

    /** {@code with torch.no_grad(): weights -= weights.grad * lr; bias -= bias.grad * lr; weights.grad.zero_(); bias.grad.zero_()}. */
    static void updateByHand(Tensor weights, Tensor bias) {
        try (var noGrad = Tensor.noGrad()) {
            weights.sub_(weights.grad().mul(LR));
            bias.sub_(bias.grad().mul(LR));
            weights.grad().zero_();
            bias.grad().zero_();
        }
    }

    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        Tensor weights = Tensor.randn(784, 10).div((float) Math.sqrt(784)).requiresGrad(true);
        Tensor bias = Tensor.zeros(10).requiresGrad(true);
        UnaryOperator<Tensor> model = xb -> logSoftmax(xb.matmul(weights).add(bias));
        BinaryOperator<Tensor> lossFunc = Stage01FromScratch::nll;

        Tensor xb = data.xTrain().narrow(0, 0, BS);
        Tensor yb = data.yTrain().narrow(0, 0, BS);
        Tensor preds = model.apply(xb);
        out.println(preds.narrow(0, 0, 1) + " " + java.util.Arrays.toString(preds.shape()));
        double firstLoss = lossFunc.apply(preds, yb).item();
        double firstAcc = accuracy(preds, yb);
        out.printf("loss %.4f accuracy %.4f%n", firstLoss, firstAcc);

        Batch last = trainOnSlices(data, (x, y) -> {
            Tensor loss = lossFunc.apply(model.apply(x), y);
            loss.backward();
            updateByHand(weights, bias);
        });
        xb = last.x();
        yb = last.y();
        try (var noGrad = Tensor.noGrad()) {
            out.printf("last batch: loss %.4f accuracy %.4f%n", lossFunc.apply(model.apply(xb), yb).item(), accuracy(model.apply(xb), yb));
            Tensor valid = model.apply(data.xValid());
            double validLoss = lossFunc.apply(valid, data.yValid()).item();
            double validAcc = accuracy(valid, data.yValid());
            out.printf("validation: loss %.4f accuracy %.4f%n", validLoss, validAcc);
            return new StageResult(firstLoss, firstAcc, validLoss, validAcc);
        }
    }
}
