package io.sparkgrad.examples.tutorial;

import io.sparkgrad.data.DataLoader;
import io.sparkgrad.nn.AvgPool2d;
import io.sparkgrad.nn.Conv2d;
import io.sparkgrad.nn.Lambda;
import io.sparkgrad.nn.ReLU;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.optim.SGD;
import java.io.PrintStream;

/**
 * Stage 11, "nn.Sequential": the CNN as a chain of layers, with {@code Lambda} for the reshapes.
 *
 * <pre>{@code
 * def preprocess(x): return x.view(-1, 1, 28, 28)
 * model = nn.Sequential(
 *     Lambda(preprocess),
 *     nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
 *     nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
 *     nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1), nn.ReLU(),
 *     nn.AvgPool2d(4),
 *     Lambda(lambda x: x.view(x.size(0), -1)),
 * )
 * opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
 * fit(epochs, model, loss_func, opt, train_dl, valid_dl)
 * }</pre>
 */
@TutorialStage.Info(number = 11, title = "nn.Sequential")
public final class Stage11Sequential implements TutorialStage {
    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        DataLoader[] dls = TutorialFit.getData(data, Stage01FromScratch.BS);
        var model = new Sequential(
                new Lambda(x -> x.view(-1, 1, 28, 28)),
                new Conv2d(1, 16, 3, 2, 1), new ReLU(),
                new Conv2d(16, 16, 3, 2, 1), new ReLU(),
                new Conv2d(16, 10, 3, 2, 1), new ReLU(),
                new AvgPool2d(4),
                new Lambda(x -> x.view(x.size(0), -1)));
        var opt = SGD.momentum(model.parameters(), Stage10Cnn.LR, Stage10Cnn.MOMENTUM);
        return CnnStages.firstBatchThenFit(model, opt, dls[0], dls[1], data, out);
    }
}
