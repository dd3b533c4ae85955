package io.sparkgrad.trainer.checkpoint;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgrad.io.Safetensors;
import io.sparkgrad.optim.OptimizerState;
import io.sparkgrad.io.SafetensorsFile;
import io.sparkgrad.tensor.DType;
import io.sparkgrad.tensor.Tensor;
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
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints in a folder on any Hadoop file system (file, hdfs, s3a, ...). Each checkpoint is a folder
 * {@code step-NNNNNNNNNNNN} (steps taken, zero-padded so names sort by step) holding
 *
 * <ul>
 *   <li>{@code model.safetensors}: the parameters, one tensor per slice of the model's layout (PyTorch names),</li>
 *   <li>{@code optimizer.safetensors}: the optimizer's buffers, its name, hyperparameters and step count as metadata
 *       ({@link OptimizerState#metadata()}),</li>
 *   <li>{@code state.json}: epoch, step, seed, the running epoch totals, the history, the
 *       configuration, the writing run's id and its {@link RunFingerprint},</li>
 *   <li>{@code MANIFEST.json}, written last: the byte count and SHA-256 of each of the three files.</li>
 * </ul>
 *
 * The files are written into a temporary folder that is renamed into place, and the manifest is written only after the
 * rename. A checkpoint counts only when its manifest is complete and every file matches it, so on object stores
 * without atomic rename (S3A copies and deletes) a half-copied folder is never read. When the newest checkpoint is
 * incomplete or corrupt, the previous complete one is read, with a warning. Every safetensors file is read with the
 * engine's strict reader ({@link Safetensors#read(InputStream, String, long)}) against its real length, so no header
 * can make the reader allocate more than the file holds.
 *
 * <p>A store bound to a run ({@link #forRun}) refuses a folder that holds another run's checkpoints unless the run
 * resumes, and refuses to resume from a checkpoint whose fingerprint differs from the run's, naming each difference.
 * Neither refusal deletes anything. The newest {@code keep} complete checkpoints are kept.
 */
public final class CheckpointStore {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    static final String MODEL = "model.safetensors";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String STATE = "state.json";
    static final String MANIFEST = "MANIFEST.json";
    private static final List<String> FILES = List.of(MODEL, OPTIMIZER, STATE);
    private static final Pattern NAME = Pattern.compile("step-\\d{12}");
    private static final int FORMAT = 2;
    /** Caps on the JSON files: far above what a run writes, far below what would hurt the driver. */
    private static final long MAX_STATE_BYTES = 64L << 20;
    private static final long MAX_MANIFEST_BYTES = 1L << 20;

    private final Path dir;
    private final Configuration hadoopConf;
    private final int keep;
    private final String runId;
    private final RunFingerprint fingerprint;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * A store not bound to a run: it reads the newest complete checkpoint whatever run wrote it. Trainers use
     * {@link #forRun}.
     *
     * @param dir        the checkpoint folder, any Hadoop path ({@code file:/...}, {@code hdfs://...})
     * @param hadoopConf Hadoop configuration (Spark's {@code hadoopConfiguration()})
     * @param keep       how many of the newest checkpoints to keep (at least 1)
     */
    public CheckpointStore(String dir, Configuration hadoopConf, int keep) {
        this(new Path(dir), hadoopConf, keep, null, null);
    }

    private CheckpointStore(Path dir, Configuration hadoopConf, int keep, String runId, RunFingerprint fingerprint) {
        if (keep < 1) {
            throw new IllegalArgumentException("must keep at least 1 checkpoint, got " + keep);
        }
        this.dir = dir;
        this.hadoopConf = hadoopConf;
        this.keep = keep;
        this.runId = runId;
        this.fingerprint = fingerprint;
    }

    /**
     * This store bound to one run. Without {@code resume}, a folder holding checkpoints written by another run is
     * refused (nothing is deleted): a fresh run never overwrites or prunes someone else's checkpoints. With
     * {@code resume}, {@link #latest} refuses a checkpoint whose fingerprint differs from {@code fingerprint}.
     *
     * @throws IllegalStateException when the folder holds another run's checkpoints and {@code resume} is off
     */
    public CheckpointStore forRun(String runId, RunFingerprint fingerprint, boolean resume) {
        if (!resume) {
            try {
                FileSystem fs = dir.getFileSystem(hadoopConf);
                List<Path> all = checkpoints(fs);
                for (int i = all.size() - 1; i >= 0; i--) {
                    String writer = writerOf(fs, all.get(i));
                    if (!runId.equals(writer)) {
                        throw new IllegalStateException("the checkpoint folder " + dir + " already holds " + all.size()
                                + " checkpoint(s) of another run (" + all.get(i).getName() + " written by " + writer
                                + "); resume that run (resume(true), --resume) or give this run its own checkpoint folder."
                                + " Nothing was deleted.");
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list the checkpoints in " + dir + ": " + e.getMessage(), e);
            }
        }
        return new CheckpointStore(dir, hadoopConf, keep, runId, fingerprint);
    }

    /** The checkpoint folder. */
    public String location() {
        return dir.toString();
    }

    /** Writes a checkpoint (its manifest last) and prunes old ones; returns the folder written. */
    public String save(Checkpoint c, List<ParameterSlice> layout) {
        try {
            FileSystem fs = dir.getFileSystem(hadoopConf);
            fs.mkdirs(dir);
            Path tmp = new Path(dir, "_tmp-" + UUID.randomUUID());
            fs.mkdirs(tmp);
            try {
                Map<String, Object> files = new LinkedHashMap<>();
                files.put(MODEL, writeModel(fs, new Path(tmp, MODEL), c.parameters(), layout));
                files.put(OPTIMIZER, writeOptimizer(fs, new Path(tmp, OPTIMIZER), c.optimizer()));
                files.put(STATE, writeState(fs, new Path(tmp, STATE), c));
                Path target = new Path(dir, String.format("step-%012d", c.globalStep()));
                if (fs.exists(target)) {
                    fs.delete(target, true);
                }
                if (!fs.rename(tmp, target)) {
                    throw new IOException("rename of " + tmp + " to " + target + " failed");
                }
                // Last, and after the rename: where the rename is a copy (S3A), the manifest appears only once every
                // file it lists is in place.
                Map<String, Object> manifest = new LinkedHashMap<>();
                manifest.put("format", FORMAT);
                manifest.put("run_id", runId);
                manifest.put("fingerprint", fingerprint == null ? null : fingerprint.id());
                manifest.put("files", files);
                try (FSDataOutputStream out = fs.create(new Path(target, MANIFEST), false)) {
                    json.writerWithDefaultPrettyPrinter().writeValue((java.io.OutputStream) out, manifest);
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

    /**
     * The newest complete checkpoint, if any: when the newest is incomplete or corrupt, the one before it (with a
     * warning), and so on.
     *
     * @throws IllegalArgumentException when the store is bound to a run and the checkpoint's fingerprint differs from
     *                                  the run's; the message names each difference
     * @throws UncheckedIOException     when the folder holds checkpoints but none of them is complete
     */
    public Optional<Checkpoint> latest(List<ParameterSlice> layout, int numParameters) {
        try {
            FileSystem fs = dir.getFileSystem(hadoopConf);
            List<Path> all = checkpoints(fs);
            List<String> problems = new ArrayList<>();
            for (int i = all.size() - 1; i >= 0; i--) {
                Path folder = all.get(i);
                Read r;
                try {
                    r = read(fs, folder, layout, numParameters);
                } catch (IOException e) {
                    problems.add(e.getMessage());
                    LOG.warn("Sparkgrad: checkpoint {} is incomplete or corrupt ({}); {}", folder, e.getMessage(),
                            i > 0 ? "falling back to " + all.get(i - 1).getName() : "no older checkpoint is left");
                    continue;
                }
                if (fingerprint != null) {
                    List<String> diff = r.fingerprint().differences(fingerprint);
                    if (!diff.isEmpty()) {
                        throw new IllegalArgumentException("cannot resume from " + folder + ": it was written by a run that differs from this one in "
                                + diff.size() + " way(s):\n  " + String.join("\n  ", diff)
                                + "\nresume with the checkpoint's settings, or start a fresh run in another checkpoint folder.");
                    }
                }
                if (i < all.size() - 1) {
                    LOG.warn("Sparkgrad: resuming from {}, not from the newer but unusable {}", folder, all.get(all.size() - 1).getName());
                }
                return Optional.of(r.checkpoint());
            }
            if (!all.isEmpty()) {
                throw new IOException("none of its " + all.size() + " checkpoints is complete: " + String.join("; ", problems));
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Checkpoint folders (complete or not), oldest first. */
    private List<Path> checkpoints(FileSystem fs) throws IOException {
        List<Path> out = new ArrayList<>();
        FileStatus[] entries;
        try {
            entries = fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return out;
        }
        for (FileStatus s : entries) {
            if (s.isDirectory() && NAME.matcher(s.getPath().getName()).matches()) {
                out.add(s.getPath());
            }
        }
        out.sort((a, b) -> a.getName().compareTo(b.getName()));
        return out;
    }

    /** Deletes every checkpoint folder older than the {@code keep}-th newest complete one. */
    private void prune(FileSystem fs) throws IOException {
        List<Path> all = checkpoints(fs);
        int complete = 0;
        for (int i = all.size() - 1; i >= 0; i--) {
            if (complete >= keep) {
                fs.delete(all.get(i), true);
            } else if (fs.exists(new Path(all.get(i), MANIFEST))) {
                complete++;
            }
        }
    }

    /**
     * The run id a checkpoint names in its manifest, or in its state file when the manifest is missing (a write that
     * stopped half-way), or a description of why it names none.
     */
    private String writerOf(FileSystem fs, Path folder) {
        Object id;
        try {
            id = readManifest(fs, folder).get("run_id");
        } catch (IOException e) {
            Path state = new Path(folder, STATE);
            try {
                if (fs.getFileStatus(state).getLen() > MAX_STATE_BYTES) {
                    throw new IOException(state + " is larger than " + MAX_STATE_BYTES + " bytes");
                }
                try (FSDataInputStream in = fs.open(state)) {
                    id = json.readTree((InputStream) in).path("run_id").textValue();
                }
            } catch (IOException | RuntimeException again) {
                return "an unknown run (" + e.getMessage() + ")";
            }
        }
        return id == null ? "a run without an id" : String.valueOf(id);
    }

    private Map<String, Object> readManifest(FileSystem fs, Path folder) throws IOException {
        Path p = new Path(folder, MANIFEST);
        FileStatus st;
        try {
            st = fs.getFileStatus(p);
        } catch (FileNotFoundException e) {
            throw new IOException(folder.getName() + " has no " + MANIFEST + ": its writer stopped before finishing it");
        }
        if (st.getLen() > MAX_MANIFEST_BYTES) {
            throw new IOException(p + " has " + st.getLen() + " bytes, more than a manifest's limit of " + MAX_MANIFEST_BYTES);
        }
        try (FSDataInputStream in = fs.open(p)) {
            return json.readValue(in, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(p + " is not a complete manifest: " + e.getOriginalMessage(), e);
        }
    }

    private static Map<String, Object> fileEntry(FileSystem fs, Path p, MessageDigest digest) throws IOException {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("bytes", fs.getFileStatus(p).getLen());
        e.put("sha256", HexFormat.of().formatHex(digest.digest()));
        return e;
    }

    private static Map<String, Object> writeModel(FileSystem fs, Path p, float[] params, List<ParameterSlice> layout) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (ParameterSlice s : layout) {
            tensors.put(s.name(), Tensor.wrap(params, s.offset(), s.shape()));
        }
        return writeTensors(fs, p, tensors, Map.of("format", "pt", "producer", "sparkgrad"));
    }

    private static Map<String, Object> writeOptimizer(FileSystem fs, Path p, OptimizerState state) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        state.buffers().forEach((k, v) -> tensors.put(k, Tensor.of(v, v.length)));
        return writeTensors(fs, p, tensors, state.metadata());
    }

    private static Map<String, Object> writeTensors(FileSystem fs, Path p, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        MessageDigest digest = sha256();
        try (FSDataOutputStream raw = fs.create(p, false); DigestOutputStream out = new DigestOutputStream(raw, digest)) {
            Safetensors.save(tensors, metadata, out);
        }
        return fileEntry(fs, p, digest);
    }

    private Map<String, Object> writeState(FileSystem fs, Path p, Checkpoint c) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("format", FORMAT);
        s.put("run_id", runId);
        s.put("fingerprint", fingerprint == null ? null : fingerprint.entries());
        s.put("epoch", c.epoch());
        s.put("step_in_epoch", c.stepInEpoch());
        s.put("global_step", c.globalStep());
        s.put("seed", c.seed());
        s.put("partial_epoch", c.partial());
        s.put("history", c.history());
        s.put("config", c.config());
        byte[] bytes = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(s);
        MessageDigest digest = sha256();
        try (FSDataOutputStream out = fs.create(p, false)) {
            out.write(bytes);
        }
        digest.update(bytes);
        return fileEntry(fs, p, digest);
    }

    /** A checkpoint as read, with the fingerprint of the run that wrote it (empty when it recorded none). */
    private record Read(Checkpoint checkpoint, RunFingerprint fingerprint) {
    }

    /** Reads one checkpoint, checking every file against the manifest; any defect is an IOException naming the file. */
    private Read read(FileSystem fs, Path folder, List<ParameterSlice> layout, int numParameters) throws IOException {
        Map<String, Object> manifest = readManifest(fs, folder);
        Object format = manifest.get("format");
        if (!(format instanceof Number n) || n.intValue() != FORMAT) {
            throw new IOException(folder + "/" + MANIFEST + ": unknown checkpoint format " + format + " (this version reads " + FORMAT + ")");
        }
        if (!(manifest.get("files") instanceof Map<?, ?> files) || !files.keySet().containsAll(FILES)) {
            throw new IOException(folder + "/" + MANIFEST + " does not list all of " + FILES);
        }
        Map<String, Object> state;
        byte[] stateBytes = readChecked(fs, folder, STATE, files, MAX_STATE_BYTES);
        try {
            state = json.readValue(stateBytes, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(folder + "/" + STATE + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        SafetensorsFile model = readTensors(fs, folder, MODEL, files);
        float[] params = new float[numParameters];
        for (ParameterSlice s : layout) {
            Tensor t = model.tensors().get(s.name());
            if (t == null) {
                throw new IOException(folder + "/" + MODEL + " has no tensor '" + s.name() + "' (it has " + model.tensors().keySet() + ")");
            }
            if (!Arrays.equals(t.shape(), s.shape()) || t.dtype() != DType.FLOAT32) {
                throw new IOException(folder + "/" + MODEL + ": tensor '" + s.name() + "' is " + t.dtype() + " " + Arrays.toString(t.shape())
                        + " but the model expects FLOAT32 " + Arrays.toString(s.shape()));
            }
            System.arraycopy(t.toFloatArray(), 0, params, s.offset(), s.size());
        }
        SafetensorsFile opt = readTensors(fs, folder, OPTIMIZER, files);
        Map<String, float[]> buffers = new LinkedHashMap<>();
        opt.tensors().forEach((k, v) -> buffers.put(k, v.toFloatArray()));
        try {
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
            Map<String, String> entries = new LinkedHashMap<>();
            if (state.get("fingerprint") instanceof Map<?, ?> f) {
                f.forEach((k, v) -> entries.put(String.valueOf(k), String.valueOf(v)));
            }
            Checkpoint c = new Checkpoint(((Number) state.get("epoch")).intValue(), ((Number) state.get("step_in_epoch")).intValue(),
                    ((Number) state.get("global_step")).longValue(), ((Number) state.get("seed")).longValue(), params,
                    optimizer, partial, history, config);
            return new Read(c, new RunFingerprint(entries));
        } catch (RuntimeException e) {
            throw new IOException(folder + "/" + STATE + " is malformed: " + e, e);
        }
    }

    /** The expected size and SHA-256 of {@code name} from the manifest, checked against the file's length. */
    private static long expectedLength(FileSystem fs, Path p, Map<?, ?> files, String name, long cap) throws IOException {
        if (!(files.get(name) instanceof Map<?, ?> e) || !(e.get("bytes") instanceof Number bytes) || !(e.get("sha256") instanceof String)) {
            throw new IOException(p.getParent() + "/" + MANIFEST + ": the entry of " + name + " lacks its bytes or sha256");
        }
        long len = fs.getFileStatus(p).getLen();
        if (len != bytes.longValue()) {
            throw new IOException(p + " has " + len + " bytes but the manifest says " + bytes.longValue());
        }
        if (len > cap) {
            throw new IOException(p + " has " + len + " bytes, more than the limit of " + cap);
        }
        return len;
    }

    private static void checkDigest(Path p, Map<?, ?> files, String name, MessageDigest digest) throws IOException {
        String want = (String) ((Map<?, ?>) files.get(name)).get("sha256");
        String have = HexFormat.of().formatHex(digest.digest());
        if (!have.equalsIgnoreCase(want)) {
            throw new IOException(p + " has SHA-256 " + have + " but the manifest says " + want + ": the file is corrupt");
        }
    }

    private static byte[] readChecked(FileSystem fs, Path folder, String name, Map<?, ?> files, long cap) throws IOException {
        Path p = new Path(folder, name);
        long len = expectedLength(fs, p, files, name, cap);
        MessageDigest digest = sha256();
        byte[] bytes;
        try (InputStream in = new DigestInputStream(fs.open(p), digest)) {
            bytes = in.readNBytes((int) len);
        }
        if (bytes.length != len) {
            throw new IOException(p + " ended after " + bytes.length + " of its " + len + " bytes");
        }
        checkDigest(p, files, name, digest);
        return bytes;
    }

    private static SafetensorsFile readTensors(FileSystem fs, Path folder, String name, Map<?, ?> files) throws IOException {
        Path p = new Path(folder, name);
        long len = expectedLength(fs, p, files, name, Long.MAX_VALUE);
        MessageDigest digest = sha256();
        SafetensorsFile f;
        try (InputStream in = new DigestInputStream(fs.open(p), digest)) {
            f = Safetensors.read(in, p.toString(), len);
        }
        checkDigest(p, files, name, digest);
        return f;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
