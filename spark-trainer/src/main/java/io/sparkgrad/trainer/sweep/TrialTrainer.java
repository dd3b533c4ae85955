package io.sparkgrad.trainer.sweep;

import io.sparkgrad.cuda.GpuContext;
import io.sparkgrad.data.Batch;
import io.sparkgrad.data.DataLoader;
import io.sparkgrad.data.TensorDataset;
import io.sparkgrad.io.Safetensors;
import io.sparkgrad.io.SafetensorsFile;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Reduction;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.optim.Adam;
import io.sparkgrad.optim.AdamW;
import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.optim.OptimizerState;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.optim.lr.CosineAnnealingLR;
import io.sparkgrad.optim.lr.LRScheduler;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import io.sparkgrad.trainer.plan.Seeds;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One trial's model and optimizer, trained epoch by epoch with the engine alone (no Spark inside), as the tutorial's
 * {@code fit} loop does.
 *
 * <p>Everything random is a pure function of the trial's seed: the initial weights come from
 * {@code Generator(derive(seed, INIT))}; epoch {@code e}'s data order from {@code Generator(derive(seed, ORDER, e))};
 * the dropout generator is reseeded to {@code derive(seed, DROPOUT, e)} when epoch {@code e} starts. So the random
 * state at an epoch boundary is fully described by (seed, epoch), and a checkpoint (weights, optimizer state, the
 * learning-rate schedule's position, epoch) continues exactly the trajectory an uninterrupted run takes.
 *
 * <p>A {@code cosine} schedule steps after every batch and spans the trial's planned epochs
 * ({@link TrialConfig#epochs()}), whatever segment of them is trained now: the rate at a batch depends only on its
 * position in the plan.
 *
 * <p>On a GPU ({@link #computeOn}) the forward and backward passes run on the device ({@link GpuTrialModel}) and the
 * optimizer, schedule, checkpoints and weights stay here: the trajectory is the CPU trial's within float32 summation
 * order, except for dropout, whose masks the device draws from the step's seed.
 */
public final class TrialTrainer {
    static final long INIT = 0x494E4954L;
    static final long DROPOUT = 0x44524F50L;
    /** Validation batch size: only memory, not results, depends on it. */
    static final int EVAL_BATCH = 1000;

    /** Checkpoint metadata keys. */
    static final String EPOCH = "sparkgrad.sweep.epoch";
    static final String SEED = "sparkgrad.sweep.seed";
    static final String SPEC = "sparkgrad.spec";
    static final String SCHEDULE_STEPS = "sparkgrad.sweep.schedule.steps";
    static final String SCHEDULE_BASE_LR = "sparkgrad.sweep.schedule.baseLr";
    static final String SCHEDULE_LAST_LR = "sparkgrad.sweep.schedule.lastLr";
    private static final String MODEL = "model.";
    private static final String OPTIM = "optim.";

    private final TrialConfig config;
    private final ModelSpec spec;
    private final Sequential model;
    private final Generator dropout = new Generator(0);
    private final Optimizer optimizer;
    /** The learning-rate schedule, made when the first epoch knows its steps; null for a constant rate. */
    private LRScheduler schedule;
    /** A checkpoint's schedule position, loaded into the schedule when it is made. */
    private LRScheduler.State restoredSchedule;
    private int epoch;
    /** The GPU that computes the passes; null on the CPU. */
    private GpuTrialModel gpu;

    /** A fresh trial at epoch 0. */
    public TrialTrainer(TrialConfig config) {
        this.config = config;
        this.spec = config.modelSpec();
        this.model = spec.build(new Generator(Seeds.derive(config.seed(), INIT)), dropout, TrialData.INPUT_SHAPE);
        var params = model.parameters();
        this.optimizer = switch (config.optimizer()) {
            case "sgd" -> SGD.builder(params).lr(config.lr()).momentum(config.momentum()).weightDecay(config.weightDecay()).build();
            case "adam" -> Adam.builder(params).lr(config.lr()).weightDecay(config.weightDecay()).build();
            case "adamw" -> AdamW.builder(params).lr(config.lr()).weightDecay(config.weightDecay()).build();
            default -> throw new SweepConfigException("optimizer.name '" + config.optimizer() + "' is not allowed; allowed: sgd, adam, adamw");
        };
    }

    /**
     * From now on, computes the forward and backward passes on {@code device} (the trial's GPU, opened by its task),
     * until {@link #closeDevice()}.
     *
     * @throws IllegalArgumentException naming the layer when the model has one that does not run on the GPU
     */
    void computeOn(GpuContext device) {
        closeDevice();
        gpu = new GpuTrialModel(model, TrialData.INPUT_SHAPE, device);
    }

    /** Returns the device memory of the passes ({@link #computeOn}) and computes on the CPU again. */
    void closeDevice() {
        if (gpu != null) {
            gpu.close();
            gpu = null;
        }
    }

    /** Epochs trained so far. */
    public int epoch() {
        return epoch;
    }

    /** The model (training mode after {@link #trainEpoch}, evaluation mode after {@link #evaluate}). */
    public Sequential model() {
        return model;
    }

    /** The model's spec. */
    public ModelSpec spec() {
        return spec;
    }

    /**
     * Trains epoch {@code epoch() + 1} on {@code train}.
     *
     * @return the mean training loss of the epoch
     * @throws TrialFailedException when a batch's loss is not finite (the learning rate is too high, most often)
     */
    public double trainEpoch(TensorDataset train) {
        int e = epoch + 1;
        model.train();
        dropout.setSeed(Seeds.derive(config.seed(), DROPOUT, e));
        DataLoader loader = DataLoader.builder(train).batchSize(config.globalBatchSize()).shuffle(true)
                .generator(new Generator(Seeds.derive(config.seed(), Seeds.ORDER, e))).build();
        makeSchedule(loader.size());
        double sum = 0;
        long n = 0;
        int b = 0;
        for (Batch batch : loader) {
            b++;
            Tensor loss = gpu != null ? null : F.crossEntropy(model.forward(batch.x()), batch.y());
            float value = gpu != null ? gpu.step(batch, Seeds.derive(config.seed(), DROPOUT, e, b)) : loss.item();
            if (!Float.isFinite(value)) {
                throw new TrialFailedException("training loss is " + value + " at epoch " + e + ", batch " + b + " (optimizer "
                        + config.optimizer() + ", lr " + config.lr() + "); lower optimizer.lr");
            }
            if (loss != null) {
                loss.backward();
            }
            optimizer.step();
            optimizer.zeroGrad();
            if (schedule != null) {
                schedule.step();
            }
            int count = batch.x().size(0);
            sum += (double) value * count;
            n += count;
        }
        epoch = e;
        return sum / n;
    }

    /** Makes the schedule once, over the planned epochs of {@code batchesPerEpoch} steps each. */
    private void makeSchedule(int batchesPerEpoch) {
        if (schedule != null || config.schedule().equals("constant")) {
            return;
        }
        long steps = (long) config.epochs() * batchesPerEpoch;
        if (steps > Integer.MAX_VALUE) {
            throw new TrialFailedException("optimizer.schedule " + config.schedule() + " over " + config.epochs() + " epochs of "
                    + batchesPerEpoch + " batches has more than " + Integer.MAX_VALUE + " steps");
        }
        schedule = new CosineAnnealingLR(optimizer, (int) steps);
        if (restoredSchedule != null) {
            schedule.loadStateDict(restoredSchedule);
        }
    }

    /** The schedule's position, also before the first epoch has made the schedule; null for a constant rate. */
    private LRScheduler.State scheduleState() {
        if (schedule != null) {
            return schedule.stateDict();
        }
        if (restoredSchedule != null || config.schedule().equals("constant")) {
            return restoredSchedule;
        }
        return new LRScheduler.State(CosineAnnealingLR.class.getSimpleName(), 0, optimizer.lr(), optimizer.lr());
    }

    /** The learning rate the next batch trains with. */
    public double lr() {
        return optimizer.lr();
    }

    /** Validation loss (mean cross-entropy) and accuracy: {@code {loss, accuracy}}. */
    public double[] evaluate(TensorDataset validation) {
        model.eval();
        double loss = 0;
        long correct = 0;
        int n = validation.size();
        try (var noGrad = Tensor.noGrad()) {
            for (int from = 0; from < n; from += EVAL_BATCH) {
                int count = Math.min(EVAL_BATCH, n - from);
                int[] rows = new int[count];
                for (int i = 0; i < count; i++) {
                    rows[i] = from + i;
                }
                Batch batch = validation.batch(rows);
                if (gpu != null) {
                    double[] sums = gpu.evaluate(batch);
                    loss += sums[0];
                    correct += (long) sums[1];
                    continue;
                }
                Tensor logits = model.forward(batch.x());
                loss += F.crossEntropy(logits, batch.y(), Reduction.SUM).item();
                int[] pred = logits.argmax(1).toIntArray();
                int[] labels = batch.y().toIntArray();
                for (int i = 0; i < count; i++) {
                    if (pred[i] == labels[i]) {
                        correct++;
                    }
                }
            }
        }
        return new double[] {loss / n, (double) correct / n};
    }

    /** The weights as a state dict (PyTorch's names), sharing the model's storage. */
    public Map<String, Tensor> stateDict() {
        return model.stateDict();
    }

    /**
     * Writes weights, optimizer state, epoch and seed to {@code path} (any Hadoop file system), as one safetensors file:
     * tensors {@code model.<name>} and {@code optim.<name>}, the optimizer's metadata under {@code optim.}. Written
     * to a temporary name and renamed, so a reader never sees half a checkpoint.
     */
    public void save(Path path, Configuration conf) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> tensors.put(MODEL + k, v));
        OptimizerState state = optimizer.stateDict();
        state.tensors().forEach((k, v) -> tensors.put(OPTIM + k, v));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(EPOCH, Integer.toString(epoch));
        metadata.put(SEED, Long.toString(config.seed()));
        metadata.put(SPEC, spec.toString());
        LRScheduler.State st = scheduleState();
        if (st != null) {
            metadata.put(SCHEDULE_STEPS, Integer.toString(st.lastEpoch()));
            metadata.put(SCHEDULE_BASE_LR, Double.toString(st.baseLr()));
            metadata.put(SCHEDULE_LAST_LR, Double.toString(st.lastLr()));
        }
        state.metadata().forEach((k, v) -> metadata.put(OPTIM + k, v));
        FileSystem fs = path.getFileSystem(conf);
        Path tmp = new Path(path.getParent(), "." + path.getName() + ".tmp");
        try (OutputStream out = fs.create(tmp, true)) {
            Safetensors.save(tensors, metadata, out);
        }
        fs.delete(path, false);
        if (!fs.rename(tmp, path)) {
            throw new IOException("cannot rename " + tmp + " to " + path);
        }
    }

    /** A trainer restored from a checkpoint {@link #save} wrote for the same configuration. */
    public static TrialTrainer restore(TrialConfig config, Path path, Configuration conf) throws IOException {
        SafetensorsFile file;
        try (InputStream in = path.getFileSystem(conf).open(path)) {
            file = Safetensors.read(in);
        }
        TrialTrainer t = new TrialTrainer(config);
        Map<String, String> md = file.metadata();
        if (!Long.toString(config.seed()).equals(md.get(SEED))) {
            throw new IOException(path + " was written by a trial with seed " + md.get(SEED) + ", not " + config.seed());
        }
        Map<String, Tensor> weights = new LinkedHashMap<>();
        Map<String, Tensor> optim = new LinkedHashMap<>();
        file.tensors().forEach((k, v) -> {
            if (k.startsWith(MODEL)) {
                weights.put(k.substring(MODEL.length()), v);
            } else if (k.startsWith(OPTIM)) {
                optim.put(k.substring(OPTIM.length()), v);
            }
        });
        Map<String, String> optimMeta = new LinkedHashMap<>();
        md.forEach((k, v) -> {
            if (k.startsWith(OPTIM)) {
                optimMeta.put(k.substring(OPTIM.length()), v);
            }
        });
        t.model.loadStateDict(weights, true);
        t.optimizer.loadStateDict(OptimizerState.fromTensors(optim, optimMeta));
        t.epoch = Integer.parseInt(md.get(EPOCH));
        boolean scheduled = !config.schedule().equals("constant");
        if (scheduled != md.containsKey(SCHEDULE_STEPS)) {
            throw new IOException(path + (scheduled ? " has no learning-rate schedule, but optimizer.schedule is " + config.schedule()
                    : " was written with a learning-rate schedule, but optimizer.schedule is constant"));
        }
        if (scheduled) {
            t.restoredSchedule = new LRScheduler.State(CosineAnnealingLR.class.getSimpleName(), Integer.parseInt(md.get(SCHEDULE_STEPS)),
                    Double.parseDouble(md.get(SCHEDULE_BASE_LR)), Double.parseDouble(md.get(SCHEDULE_LAST_LR)));
        }
        return t;
    }

    /**
     * The model weights in a checkpoint, by PyTorch's names: a trial-per-task checkpoint's {@code model.*} tensors, or
     * every tensor of a data-parallel trial's {@code step-N/model.safetensors} (which holds only the weights).
     */
    public static Map<String, Tensor> weights(Path path, Configuration conf) throws IOException {
        SafetensorsFile file;
        try (InputStream in = path.getFileSystem(conf).open(path)) {
            file = Safetensors.read(in);
        }
        Map<String, Tensor> weights = new LinkedHashMap<>();
        file.tensors().forEach((k, v) -> {
            if (k.startsWith(MODEL)) {
                weights.put(k.substring(MODEL.length()), v);
            }
        });
        return weights.isEmpty() ? file.tensors() : weights;
    }
}
