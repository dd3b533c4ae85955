package io.sparkgrad.examples.tutorial;

import io.sparkgrad.data.Batch;
import io.sparkgrad.data.DataLoader;
import io.sparkgrad.nn.AdaptiveAvgPool2d;
import io.sparkgrad.nn.Conv2d;
import io.sparkgrad.nn.Lambda;
import io.sparkgrad.nn.ReLU;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.optim.SGD;
import java.io.PrintStream;

/**
 * Stage 12, "Wrapping DataLoader": the reshape moves into the loader, and {@code AdaptiveAvgPool2d(1)} makes the
 * model independent of the input size.
 *
 * <pre>{@code
 * def preprocess(x, y): return x.view(-1, 1, 28, 28), y
 * train_dl = WrappedDataLoader(train_dl, preprocess)
 * valid_dl = WrappedDataLoader(valid_dl, preprocess)
 * model = nn.Sequential(
 *     nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
 *     nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
 *     nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1), nn.ReLU(),
 *     nn.AdaptiveAvgPool2d(1),
 *     Lambda(lambda x: x.view(x.size(0), -1)),
 * )
 * }</pre>
 */
@TutorialStage.Info(number = 12, title = "Wrapping DataLoader")
public final class Stage12WrappedDataLoader implements TutorialStage {

    /** The tutorial's {@code preprocess(x, y)}. */
    static Batch preprocess(Batch b) {
        return new Batch(b.x().view(-1, 1, 28, 28), b.y());
    }

    /** The stage-12 CNN (also used by stage 13). */
    static Sequential model() {
        return new Sequential(
                new Conv2d(1, 16, 3, 2, 1), new ReLU(),
                new Conv2d(16, 16, 3, 2, 1), new ReLU(),
                new Conv2d(16, 10, 3, 2, 1), new ReLU(),
                new AdaptiveAvgPool2d(1),
                new Lambda(x -> x.view(x.size(0), -1)));
    }

    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        DataLoader[] dls = TutorialFit.getData(data, Stage01FromScratch.BS);
        var trainDl = dls[0].map(Stage12WrappedDataLoader::preprocess);
        var validDl = dls[1].map(Stage12WrappedDataLoader::preprocess);
        var model = model();
        var opt = SGD.momentum(model.parameters(), Stage10Cnn.LR, Stage10Cnn.MOMENTUM);
        return CnnStages.firstBatchThenFit(model, opt, trainDl, validDl, data, out, x -> model.forward(x.view(-1, 1, 28, 28)));
    }
}
