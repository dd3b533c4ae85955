package io.sparkgrad.trainer.checkpoint;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgrad.optim.OptimizerState;
import io.sparkgrad.trainer.EpochStats;
import io.sparkgrad.trainer.ParameterSlice;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Checkpoints in a folder on any Hadoop file system (file, hdfs, s3a, ...). Each checkpoint is a folder
 * {@code step-NNNNNNNNNNNN} (steps taken, zero-padded so names sort by step) holding
 *
 * <ul>
 *   <li>{@code model.safetensors}: the parameters, one tensor per slice of the model's layout (PyTorch names),</li>
 *   <li>{@code optimizer.safetensors}: the optimizer's buffers, its name, hyperparameters and step count as metadata
 *       ({@link OptimizerState#metadata()}),</li>
 *   <li>{@code state.json}: epoch, step, seed, the running epoch totals, the history and the
 *       configuration.</li>
 * </ul>
 *
 * A checkpoint is written into a temporary folder and renamed into place, so a reader never sees half of one
 * (the rename is atomic on HDFS and local file systems; object stores emulate it). The newest {@code keep} are kept.
 */
public final class CheckpointStore {

    static final String MODEL = "model.safetensors";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String STATE = "state.json";
    private static final Pattern NAME = Pattern.compile("step-\\d{12}");
    /** 2: the optimizer's name, hyperparameters and step count moved from state.json into optimizer.safetensors. */
    private static final int FORMAT = 2;

    private final Path dir;
    private final Configuration hadoopConf;
    private final int keep;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param dir        the checkpoint folder, any Hadoop path ({@code file:/...}, {@code hdfs://...})
     * @param hadoopConf Hadoop configuration (Spark's {@code hadoopConfiguration()})
     * @param keep       how many of the newest checkpoints to keep (at least 1)
     */
    public CheckpointStore(String dir, Configuration hadoopConf, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("must keep at least 1 checkpoint, got " + keep);
        }
        this.dir = new Path(dir);
        this.hadoopConf = hadoopConf;
        this.keep = keep;
    }

    /** The checkpoint folder. */
    public String location() {
        return dir.toString();
    }

    /** Writes a checkpoint atomically and prunes old ones; returns the folder written. */
    public String save(Checkpoint c, List<ParameterSlice> layout) {
        try {
            FileSystem fs = dir.getFileSystem(hadoopConf);
            fs.mkdirs(dir);
            Path tmp = new Path(dir, "_tmp-" + UUID.randomUUID());
            fs.mkdirs(tmp);
            try {
                writeModel(fs, new Path(tmp, MODEL), c.parameters(), layout);
                writeOptimizer(fs, new Path(tmp, OPTIMIZER), c.optimizer());
                writeState(fs, new Path(tmp, STATE), c);
                Path target = new Path(dir, String.format("step-%012d", c.globalStep()));
                if (fs.exists(target)) {
                    fs.delete(target, true);
                }
                if (!fs.rename(tmp, target)) {
                    throw new IOException("rename of " + tmp + " to " + target + " failed");
                }
                prune(fs);
                return target.toString();
            } finally {
                if (fs.exists(tmp)) {
                    fs.delete(tmp, true);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a checkpoint to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Checkpoint> latest(List<ParameterSlice> layout, int numParameters) {
        try {
            FileSystem fs = dir.getFileSystem(hadoopConf);
            List<Path> all = checkpoints(fs);
            if (all.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(read(fs, all.get(all.size() - 1), layout, numParameters));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    private List<Path> checkpoints(FileSystem fs) throws IOException {
        List<Path> out = new ArrayList<>();
        FileStatus[] entries;
        try {
            entries = fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return out;
        }
        for (FileStatus s : entries) {
            if (s.isDirectory() && NAME.matcher(s.getPath().getName()).matches() && fs.exists(new Path(s.getPath(), STATE))) {
                out.add(s.getPath());
            }
        }
        out.sort((a, b) -> a.getName().compareTo(b.getName()));
        return out;
    }

    private void prune(FileSystem fs) throws IOException {
        List<Path> all = checkpoints(fs);
        for (int i = 0; i < all.size() - keep; i++) {
            fs.delete(all.get(i), true);
        }
    }

    private static void writeModel(FileSystem fs, Path p, float[] params, List<ParameterSlice> layout) throws IOException {
        Map<String, FlatSafetensors.Slice> tensors = new LinkedHashMap<>();
        for (ParameterSlice s : layout) {
            tensors.put(s.name(), new FlatSafetensors.Slice(params, s.offset(), s.shape()));
        }
        try (FSDataOutputStream out = fs.create(p, false)) {
            FlatSafetensors.write(out, tensors, Map.of("format", "pt", "producer", "sparkgrad"));
        }
    }

    private static void writeOptimizer(FileSystem fs, Path p, OptimizerState state) throws IOException {
        Map<String, FlatSafetensors.Slice> tensors = new LinkedHashMap<>();
        state.buffers().forEach((k, v) -> tensors.put(k, new FlatSafetensors.Slice(v, 0, new int[] {v.length})));
        try (FSDataOutputStream out = fs.create(p, false)) {
            FlatSafetensors.write(out, tensors, state.metadata());
        }
    }

    private void writeState(FileSystem fs, Path p, Checkpoint c) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("format", FORMAT);
        s.put("epoch", c.epoch());
        s.put("step_in_epoch", c.stepInEpoch());
        s.put("global_step", c.globalStep());
        s.put("seed", c.seed());
        s.put("partial_epoch", c.partial());
        s.put("history", c.history());
        s.put("config", c.config());
        try (FSDataOutputStream out = fs.create(p, false)) {
            json.writerWithDefaultPrettyPrinter().writeValue((java.io.OutputStream) out, s);
        }
    }

    private Checkpoint read(FileSystem fs, Path folder, List<ParameterSlice> layout, int numParameters) throws IOException {
        Map<String, Object> state;
        try (FSDataInputStream in = fs.open(new Path(folder, STATE))) {
            state = json.readValue(in, new TypeReference<LinkedHashMap<String, Object>>() { });
        }
        Object format = state.get("format");
        if (!(format instanceof Number n) || n.intValue() != FORMAT) {
            throw new IOException(folder + "/" + STATE + ": unknown checkpoint format " + format + " (this version reads " + FORMAT + ")");
        }
        float[] params = new float[numParameters];
        FlatSafetensors.Content model;
        try (FSDataInputStream in = fs.open(new Path(folder, MODEL))) {
            model = FlatSafetensors.read(in, folder + "/" + MODEL);
        }
        for (ParameterSlice s : layout) {
            FlatSafetensors.Tensor t = model.tensors().get(s.name());
            if (t == null) {
                throw new IOException(folder + "/" + MODEL + " has no tensor '" + s.name() + "' (it has " + model.tensors().keySet() + ")");
            }
            if (!Arrays.equals(t.shape(), s.shape())) {
                throw new IOException(folder + "/" + MODEL + ": tensor '" + s.name() + "' has shape " + Arrays.toString(t.shape())
                        + " but the model expects " + Arrays.toString(s.shape()));
            }
            System.arraycopy(t.data(), 0, params, s.offset(), t.data().length);
        }
        FlatSafetensors.Content opt;
        try (FSDataInputStream in = fs.open(new Path(folder, OPTIMIZER))) {
            opt = FlatSafetensors.read(in, folder + "/" + OPTIMIZER);
        }
        Map<String, float[]> buffers = new LinkedHashMap<>();
        opt.tensors().forEach((k, v) -> buffers.put(k, v.data()));
        OptimizerState optimizer;
        try {
            optimizer = OptimizerState.fromMetadata(opt.metadata(), buffers);
        } catch (IllegalArgumentException e) {
            throw new IOException(folder + "/" + OPTIMIZER + ": " + e.getMessage(), e);
        }
        Checkpoint.EpochProgress partial = json.convertValue(state.get("partial_epoch"), Checkpoint.EpochProgress.class);
        List<EpochStats> history = json.convertValue(state.get("history"), new TypeReference<List<EpochStats>>() { });
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) state.get("config");
        return new Checkpoint(((Number) state.get("epoch")).intValue(), ((Number) state.get("step_in_epoch")).intValue(),
                ((Number) state.get("global_step")).longValue(), ((Number) state.get("seed")).longValue(), params,
                optimizer, partial, history, config);
    }
}
