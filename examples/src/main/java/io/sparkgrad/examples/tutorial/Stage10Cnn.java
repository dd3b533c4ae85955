package io.sparkgrad.examples.tutorial;

import io.sparkgrad.data.DataLoader;
import io.sparkgrad.nn.Conv2d;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Module;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.tensor.Tensor;
import java.io.PrintStream;

/**
 * Stage 10, "Switch to CNN": three strided convolutions, ReLU, and an average pool; SGD with momentum.
 *
 * <pre>{@code
 * class Mnist_CNN(nn.Module):
 *     def __init__(self):
 *         super().__init__()
 *         self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
 *         self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
 *         self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)
 *     def forward(self, xb):
 *         xb = xb.view(-1, 1, 28, 28)
 *         xb = F.relu(self.conv1(xb))
 *         xb = F.relu(self.conv2(xb))
 *         xb = F.relu(self.conv3(xb))
 *         xb = F.avg_pool2d(xb, 4)
 *         return xb.view(-1, xb.size(1))
 * lr = 0.1
 * model = Mnist_CNN()
 * opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
 * fit(epochs, model, loss_func, opt, train_dl, valid_dl)
 * }</pre>
 */
@TutorialStage.Info(number = 10, title = "Switch to CNN")
public final class Stage10Cnn implements TutorialStage {
    static final float LR = 0.1f;
    static final float MOMENTUM = 0.9f;

    /** {@code Mnist_CNN}. */
    static final class MnistCnn extends Module {
        final Conv2d conv1;
        final Conv2d conv2;
        final Conv2d conv3;

        MnistCnn() {
            conv1 = registerModule("conv1", new Conv2d(1, 16, 3, 2, 1));
            conv2 = registerModule("conv2", new Conv2d(16, 16, 3, 2, 1));
            conv3 = registerModule("conv3", new Conv2d(16, 10, 3, 2, 1));
        }

        @Override
        public Tensor forward(Tensor xb) {
            xb = xb.view(-1, 1, 28, 28);
            xb = F.relu(conv1.forward(xb));
            xb = F.relu(conv2.forward(xb));
            xb = F.relu(conv3.forward(xb));
            xb = F.avgPool2d(xb, 4);
            return xb.view(-1, xb.size(1));
        }
    }

    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        DataLoader[] dls = TutorialFit.getData(data, Stage01FromScratch.BS);
        var model = new MnistCnn();
        var opt = SGD.momentum(model.parameters(), LR, MOMENTUM);
        return CnnStages.firstBatchThenFit(model, opt, dls[0], dls[1], data, out);
    }
}
