package io.sparkgrad.trainer.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A sweep file: the {@code sweep:} block (how to search) and the {@code space:} block (what to search).
 *
 * <pre>
 * sweep:
 *   trials: 32
 *   objective: {metric: val_accuracy, mode: max}
 *   search: random            # grid | random (seeded)
 *   seed: 0
 *   scheduler: {name: asha, maxEpochs: 9, reductionFactor: 3, graceEpochs: 1}   # none | asha | median
 *   parallelism: 4            # trials at once
 *   mode: trial-per-task      # trial-per-task | data-parallel
 *   workersPerTrial: 2        # data-parallel only: Spark tasks per trial (default: executor slots / parallelism)
 *   device: cuda              # cpu | cuda: where each trial computes (cuda: its Spark task's GPU, GPU 0 in local mode)
 *   gpuShare: 0.25            # cuda only: the part of a GPU each trial may use (0, 1]; 0.25 packs 4 trials per GPU
 * space:
 *   optimizer.lr: loguniform(1e-4, 1e-1)
 *   optimizer.name: choice(sgd, adam)
 *   training.globalBatchSize: choice(32, 64, 128)
 *   data.dir: /data/mnist     # a fixed value
 * </pre>
 *
 * @param trials      the number of trials (for grid search: 0 means one pass over the grid)
 * @param objective   the metric and mode
 * @param search      {@code grid} or {@code random}
 * @param seed        the sweep's seed: the random searcher's draws and the trials' default training seed
 * @param scheduler   early stopping
 * @param parallelism trials trained at once
 * @param mode        {@code trial-per-task} or {@code data-parallel}
 * @param workersPerTrial data-parallel mode: the workers (Spark tasks) of each trial; 0 when not set (then
 *                    {@link #workersPerTrial(int)} derives it from the executor slots)
 * @param device      {@code cpu} or {@code cuda}
 * @param gpuShare    {@code cuda}: the fraction of one GPU each trial task asks Spark for
 *                    ({@code spark.task.resource.gpu.amount}) and the cap of its device memory, in (0, 1]; 1 for {@code cpu}
 * @param space       the keys' domains
 * @param text        the file as read (kept in the journal, so that a resume can check it is the same sweep)
 */
public record SweepConfig(int trials, Objective objective, String search, long seed, SchedulerSpec scheduler, int parallelism,
                          String mode, int workersPerTrial, String device, double gpuShare, SearchSpace space, String text) {

    static final List<String> SEARCHES = List.of("grid", "random");
    static final List<String> MODES = List.of("trial-per-task", "data-parallel");
    static final List<String> DEVICES = List.of("cpu", "cuda");
    static final Set<String> SWEEP_KEYS = Set.of("trials", "objective", "search", "seed", "scheduler", "parallelism", "mode",
            "workersPerTrial", "device", "gpuShare");
    static final Set<String> SCHEDULER_KEYS = Set.of("name", "maxEpochs", "reductionFactor", "graceEpochs", "minTrials");

    public SweepConfig {
        if (!SEARCHES.contains(search)) {
            throw new SweepConfigException("sweep.search '" + search + "' is unknown; allowed: " + String.join(", ", SEARCHES));
        }
        if (!MODES.contains(mode)) {
            throw new SweepConfigException("sweep.mode '" + mode + "' is unknown; allowed: " + String.join(", ", MODES));
        }
        if (workersPerTrial < 0) {
            throw new SweepConfigException("sweep.workersPerTrial must be at least 1, got " + workersPerTrial);
        }
        if (workersPerTrial > 0 && !mode.equals("data-parallel")) {
            throw new SweepConfigException("sweep.workersPerTrial applies to sweep.mode data-parallel only; this sweep's mode is "
                    + mode + " (allowed modes: " + String.join(", ", MODES) + ")");
        }
        if (!DEVICES.contains(device)) {
            throw new SweepConfigException("sweep.device '" + device + "' is unknown; allowed: " + String.join(", ", DEVICES));
        }
        if (!(gpuShare > 0 && gpuShare <= 1)) {
            throw new SweepConfigException("sweep.gpuShare must be a fraction of one GPU in (0, 1], e.g. 0.25 for 4 trials per GPU; got "
                    + gpuShare);
        }
        if (gpuShare != 1 && !device.equals("cuda")) {
            throw new SweepConfigException("sweep.gpuShare applies to sweep.device cuda only; this sweep's device is " + device
                    + " (allowed devices: " + String.join(", ", DEVICES) + ")");
        }
        if (parallelism < 1) {
            throw new SweepConfigException("sweep.parallelism must be at least 1, got " + parallelism);
        }
        if (trials < 0 || trials == 0 && !search.equals("grid")) {
            throw new SweepConfigException("sweep.trials must be at least 1, got " + trials);
        }
    }

    /** Reads a sweep file from any Hadoop path. */
    public static SweepConfig load(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        try (InputStream in = fs.open(path)) {
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (SweepConfigException e) {
            throw new SweepConfigException(path + ": " + e.getMessage());
        }
    }

    /**
     * Parses a sweep file's text.
     *
     * @throws SweepConfigException naming the key: unknown key or form, bad bounds, unknown scheduler, search or mode
     */
    public static SweepConfig parse(String yaml) {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new SweepConfigException("the sweep file is not valid YAML: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new SweepConfigException("the sweep file must be a mapping with a 'sweep:' and a 'space:' block");
        }
        onlyKeys(root, Set.of("sweep", "space"), "the sweep file");
        JsonNode sweep = root.path("sweep");
        JsonNode spaceNode = root.path("space");
        if (!spaceNode.isObject() || spaceNode.isEmpty()) {
            throw new SweepConfigException("the sweep file has no 'space:' block; give at least one key, e.g. optimizer.lr: loguniform(1e-4, 1e-1)");
        }
        if (!sweep.isMissingNode() && !sweep.isObject()) {
            throw new SweepConfigException("'sweep:' must be a mapping of " + String.join(", ", SWEEP_KEYS));
        }
        onlyKeys(sweep, SWEEP_KEYS, "sweep");
        JsonNode obj = sweep.path("objective");
        onlyKeys(obj, Set.of("metric", "mode"), "sweep.objective");
        String modeText = text(obj, "mode", "max", "sweep.objective");
        if (!modeText.equals("max") && !modeText.equals("min")) {
            throw new SweepConfigException("sweep.objective.mode '" + modeText + "' is unknown; allowed: max, min");
        }
        Objective objective = new Objective(text(obj, "metric", "val_accuracy", "sweep.objective"), modeText.equals("max"));
        JsonNode sch = sweep.path("scheduler");
        if (sch.isTextual()) {
            sch = new YAMLMapper().createObjectNode().put("name", sch.asText());
        }
        onlyKeys(sch, SCHEDULER_KEYS, "sweep.scheduler");
        SchedulerSpec scheduler = new SchedulerSpec(text(sch, "name", "none", "sweep.scheduler"), integer(sch, "maxEpochs", 9, "sweep.scheduler"),
                integer(sch, "reductionFactor", 3, "sweep.scheduler"), integer(sch, "graceEpochs", 1, "sweep.scheduler"),
                integer(sch, "minTrials", 3, "sweep.scheduler"));
        String search = text(sweep, "search", "random", "sweep");
        Map<String, Domain> domains = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = spaceNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            Domain d = Domain.parse(key, scalar(e.getValue()));
            checkDomain(key, d);
            domains.put(key, d);
        }
        return new SweepConfig(integer(sweep, "trials", search.equals("grid") ? 0 : 10, "sweep"), objective, search,
                integer(sweep, "seed", 0, "sweep"), scheduler, integer(sweep, "parallelism", 2, "sweep"),
                text(sweep, "mode", "trial-per-task", "sweep"), workersPerTrial(sweep), text(sweep, "device", "cpu", "sweep"),
                gpuShare(sweep), new SearchSpace(domains), yaml);
    }

    /**
     * The workers of each data-parallel trial: {@code workersPerTrial} when set, else {@code slots / parallelism}
     * (at least 1).
     *
     * @param slots the task slots of the cluster (Spark's default parallelism)
     */
    public int workersPerTrial(int slots) {
        return workersPerTrial > 0 ? workersPerTrial : Math.max(1, slots / parallelism);
    }

    /** {@code sweep.workersPerTrial}: absent is 0 (derived from the slots), a value given must be at least 1. */
    private static int workersPerTrial(JsonNode sweep) {
        if (sweep.path("workersPerTrial").isMissingNode()) {
            return 0;
        }
        int w = integer(sweep, "workersPerTrial", 0, "sweep");
        if (w < 1) {
            throw new SweepConfigException("sweep.workersPerTrial must be an integer of at least 1, got " + sweep.path("workersPerTrial"));
        }
        return w;
    }

    /**
     * The sweep file's text with {@code KEY=VALUE} assignments applied, for a command line's overrides:
     * {@code sweep.trials=2}, {@code sweep.scheduler.maxEpochs=1} (nested at the dots), {@code space.data.trainLimit=2000}
     * (the whole rest is the space's key). A value is read as a YAML scalar, so {@code choice(32, 64)} is a form and
     * {@code 3} a number.
     *
     * @throws SweepConfigException naming the assignment when it is not {@code sweep.KEY=VALUE} or {@code space.KEY=VALUE},
     *                              or the file is not a mapping
     */
    public static String override(String yaml, List<String> assignments) {
        if (assignments.isEmpty()) {
            return yaml;
        }
        YAMLMapper mapper = new YAMLMapper();
        JsonNode root;
        try {
            root = yaml.isBlank() ? mapper.createObjectNode() : mapper.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new SweepConfigException("the sweep file is not valid YAML: " + e.getOriginalMessage());
        }
        if (!(root instanceof com.fasterxml.jackson.databind.node.ObjectNode tree)) {
            throw new SweepConfigException("the sweep file must be a mapping with a 'sweep:' and a 'space:' block");
        }
        for (String a : assignments) {
            int eq = a.indexOf('=');
            String key = eq < 0 ? a : a.substring(0, eq).strip();
            if (eq < 0 || !(key.startsWith("sweep.") || key.startsWith("space.")) || key.endsWith(".")) {
                throw new SweepConfigException("override '" + a + "': expected sweep.KEY=VALUE or space.KEY=VALUE, "
                        + "e.g. sweep.trials=4 or space.optimizer.lr=loguniform(1e-3, 1e-1)");
            }
            JsonNode value;
            try {
                String text = a.substring(eq + 1).strip();
                value = text.isEmpty() ? mapper.getNodeFactory().textNode("") : mapper.readTree(text);
            } catch (JsonProcessingException e) {
                value = mapper.getNodeFactory().textNode(a.substring(eq + 1).strip());
            }
            String[] path = key.startsWith("space.") ? new String[] {"space", key.substring(6)} : key.split("\\.");
            com.fasterxml.jackson.databind.node.ObjectNode at = tree;
            for (int i = 0; i < path.length - 1; i++) {
                JsonNode next = at.get(path[i]);
                if (next != null && next.isTextual() && path[i].equals("scheduler")) {
                    // scheduler: asha is short for scheduler: {name: asha}
                    next = at.putObject(path[i]).put("name", next.asText());
                }
                if (next == null || next.isNull()) {
                    next = at.putObject(path[i]);
                }
                if (!(next instanceof com.fasterxml.jackson.databind.node.ObjectNode o)) {
                    throw new SweepConfigException("override '" + a + "': " + String.join(".", java.util.Arrays.copyOf(path, i + 1))
                            + " is not a mapping in the sweep file");
                }
                at = o;
            }
            at.set(path[path.length - 1], value);
        }
        try {
            return mapper.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A trial's effective configuration: its sampled {@code params} over the defaults, seeded by this sweep, planned
     * for the scheduler's {@code maxEpochs} unless it sets {@code training.epochs}.
     *
     * @throws SweepConfigException naming the key of a value a trial cannot take
     */
    public TrialConfig trialConfig(Map<String, Object> params) {
        return TrialConfig.of(params, seed, scheduler.maxEpochs());
    }

    /** The searcher this file asks for. */
    public Searcher searcher() {
        return search.equals("grid") ? new GridSearcher(space, trials, seed) : new RandomSearcher(space, trials, seed);
    }

    /** Each value a domain can give must suit its key; continuous forms only on keys that take fractions. */
    private static void checkDomain(String key, Domain d) {
        if (!TrialConfig.DEFAULTS.containsKey(key)) {
            TrialConfig.checkValue(key, null);
        }
        boolean integerKey = TrialConfig.DEFAULTS.get(key) instanceof Long;
        if (d instanceof Domain.Fixed f) {
            TrialConfig.checkValue(key, f.value());
        } else if (d instanceof Domain.Listed l) {
            l.values().forEach(v -> TrialConfig.checkValue(key, v));
        } else if (d instanceof Domain.RandInt r) {
            TrialConfig.checkValue(key, r.lo());
        } else {
            if (integerKey) {
                throw new SweepConfigException("space." + key + " takes integers; use randint(lo, hi) or choice(...), not "
                        + (d instanceof Domain.LogUniform ? "loguniform" : "uniform"));
            }
            TrialConfig.checkValue(key, d instanceof Domain.LogUniform u ? u.lo() : ((Domain.Uniform) d).lo());
        }
    }

    /** A YAML or JSON scalar as the value a domain keeps (null stays null); an array or object as an empty list or map. */
    static Object scalar(JsonNode n) {
        if (n.isNull()) {
            return null;
        }
        if (n.isIntegralNumber()) {
            return n.asLong();
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        if (n.isBoolean()) {
            return n.asBoolean();
        }
        if (n.isTextual()) {
            return n.asText();
        }
        return n.isArray() ? List.of() : Map.of();
    }

    private static void onlyKeys(JsonNode node, Set<String> allowed, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new SweepConfigException(where + " has an unknown key '" + k + "'; allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
        }
    }

    private static String text(JsonNode node, String key, String def, String where) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return def;
        }
        if (!v.isValueNode()) {
            throw new SweepConfigException(where + "." + key + " must be a plain value, got " + v);
        }
        return v.asText().strip();
    }

    /** {@code sweep.gpuShare}, 1 when absent; its range is the constructor's to check. */
    private static double gpuShare(JsonNode sweep) {
        String v = text(sweep, "gpuShare", "1", "sweep");
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new SweepConfigException("sweep.gpuShare must be a number in (0, 1], e.g. 0.25 for 4 trials per GPU; got " + v);
        }
    }

    /** Whether trials compute on GPUs ({@code sweep.device: cuda}). */
    public boolean onGpu() {
        return device.equals("cuda");
    }

    private static int integer(JsonNode node, String key, int def, String where) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return def;
        }
        if (!v.isIntegralNumber()) {
            throw new SweepConfigException(where + "." + key + " must be an integer, got " + v);
        }
        return v.asInt();
    }
}
