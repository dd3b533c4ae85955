package io.sparkgrad.examples.tutorial;

import io.sparkgrad.data.Batch;
import io.sparkgrad.data.DataLoader;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.tensor.Device;
import io.sparkgrad.tensor.Devices;
import java.io.PrintStream;

/**
 * Stage 13, "Using your GPU": the model and each batch go to the accelerator when there is one, else the CPU. The
 * validation report moves each batch's labels to the logits' device too ({@link Validation#report}).
 *
 * <pre>{@code
 * dev = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
 * def preprocess(x, y): return x.view(-1, 1, 28, 28).to(dev), y.to(dev)
 * model.to(dev)
 * opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
 * fit(epochs, model, loss_func, opt, train_dl, valid_dl)
 * }</pre>
 */
@TutorialStage.Info(number = 13, title = "Using your GPU")
public final class Stage13Device implements TutorialStage {
    /** The device to use, null for the tutorial's choice (cuda:0 when usable, else the CPU). */
    private final Device device;

    public Stage13Device() {
        this(null);
    }

    /** On {@code device} whatever the detection says (tests: the emulated cuda:0). */
    Stage13Device(Device device) {
        this.device = device;
    }

    @Override
    public StageResult run(TutorialData data, PrintStream out) {
        Device dev = device != null ? device : Devices.cudaAvailable() ? Device.cuda(0) : Device.CPU;
        out.println("device: " + dev + (dev == Device.CPU && device == null ? " (" + Devices.cudaUnavailableReason() + ")" : ""));
        DataLoader[] dls = TutorialFit.getData(data, Stage01FromScratch.BS);
        var trainDl = dls[0].map(b -> toDevice(Stage12WrappedDataLoader.preprocess(b), dev));
        var validDl = dls[1].map(b -> toDevice(Stage12WrappedDataLoader.preprocess(b), dev));
        var model = Stage12WrappedDataLoader.model();
        model.to(dev);
        var opt = SGD.momentum(model.parameters(), Stage10Cnn.LR, Stage10Cnn.MOMENTUM);
        return CnnStages.firstBatchThenFit(model, opt, trainDl, validDl, data, out, x -> model.forward(x.view(-1, 1, 28, 28).to(dev)));
    }

    private static Batch toDevice(Batch b, Device dev) {
        return new Batch(b.x().to(dev), b.y().to(dev));
    }
}
