package io.sparkgrad.examples.tutorial;

import io.sparkgrad.data.Batch;
import io.sparkgrad.data.DataLoader;
import io.sparkgrad.data.TensorDataset;
import io.sparkgrad.nn.F;
import io.sparkgrad.optim.SGD;
import java.io.PrintStream;

/**
 * Stage 9, "Create fit() and get_data()": the whole training loop in three lines.
 *
 * <pre>{@code
 * train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
 * model, opt = get_model()
 * fit(epochs, model, loss_func, opt, train_dl, valid_dl)
 * }</pre>
 */
public final class Stage09FitAndGetData implements TutorialStage {

    @Override
    public int number() {
        return 9;
    }

    @Override
    public String title() {
        return "Create fit() and get_data()";
    }

    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        DataLoader[] dls = TutorialFit.getData(new TensorDataset(data.xTrain(), data.yTrain()),
                new TensorDataset(data.xValid(), data.yValid()), Stage01FromScratch.BS);
        var model = new Stage04Linear.MnistLogistic();
        var opt = new SGD(model.parameters(), Stage01FromScratch.LR);
        Batch first = dls[0].iterator().next();
        double firstLoss = F.crossEntropy(model.forward(first.x()), first.y()).item();
        double firstAcc = F.accuracy(model.forward(first.x()), first.y());
        out.printf("loss %.4f accuracy %.4f%n", firstLoss, firstAcc);
        TutorialFit.fit(Stage01FromScratch.EPOCHS, model, F::crossEntropy, opt, dls[0], dls[1], out);
        return Validation.report(model::forward, data, firstLoss, firstAcc, out);
    }
}
