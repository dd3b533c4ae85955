package io.sparkgrad.examples.tutorial;

import io.sparkgrad.data.Batch;
import io.sparkgrad.data.DataLoader;
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
@TutorialStage.Info(number = 9, title = "Create fit() and get_data()")
public final class Stage09FitAndGetData implements TutorialStage {
    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        DataLoader[] dls = TutorialFit.getData(data, Stage01FromScratch.BS);
        var model = new Stage04Linear.MnistLogistic();
        var opt = new SGD(model.parameters(), Stage01FromScratch.LR);
        Batch firstBatch = dls[0].iterator().next();
        var first = Validation.firstBatch(model::forward, firstBatch.x(), firstBatch.y(), out);
        TutorialFit.fit(Stage01FromScratch.EPOCHS, model, F::crossEntropy, opt, dls[0], dls[1], out);
        return Validation.report(model::forward, data, first, out);
    }
}
