package io.sparkgrad.trainer.sweep;

import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.nn.spec.NamedSpec;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One trial's effective configuration: every key a trial understands, with the sampled or fixed value where the sweep
 * gives one and the default otherwise.
 *
 * @param model           a named model ({@code mnist-cnn}) or a layer-list spec ({@code flatten linear(10)})
 * @param optimizer       {@code sgd}, {@code adam} or {@code adamw}
 * @param lr              learning rate (the base rate of the schedule)
 * @param schedule        {@code constant}, or {@code cosine}: annealed to 0 along a cosine, per step, over
 *                        {@code epochs} epochs (PyTorch's {@code CosineAnnealingLR} stepped after every batch)
 * @param momentum        SGD's momentum (unused by Adam)
 * @param weightDecay     L2 penalty (SGD, Adam) or decoupled decay (AdamW)
 * @param globalBatchSize training batch size
 * @param epochs          the epochs the trial is planned for (the sweep's {@code scheduler.maxEpochs} unless set), which
 *                        a schedule spans: a trial stopped or paused early has followed the same schedule as one
 *                        trained to the end, so a promoted trial continues it exactly
 * @param seed            initial weights, data order and dropout all derive from it
 * @param dataDir         the MNIST folder, any Hadoop path
 * @param split           {@code tutorial} (train 0-49,999, validate 50,000-59,999) or {@code official} (train, test)
 * @param trainLimit      at most this many training images (0: all)
 * @param validationLimit at most this many validation images (0: all)
 * @param scaling         pixel scaling
 */
public record TrialConfig(String model, String optimizer, double lr, String schedule, double momentum, double weightDecay,
                          int globalBatchSize, int epochs, long seed, String dataDir, String split, int trainLimit, int validationLimit, PixelScaling scaling)
        implements Serializable {

    /** Every key a trial understands, with its default (the seed's default is the sweep's seed). */
    public static final Map<String, Object> DEFAULTS;

    static {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("model", "mnist-cnn");
        d.put("optimizer.name", "sgd");
        d.put("optimizer.lr", 0.01);
        d.put("optimizer.schedule", "constant");
        d.put("optimizer.momentum", 0.9);
        d.put("optimizer.weightDecay", 0.0);
        d.put("training.globalBatchSize", 64L);
        d.put("training.epochs", 0L);
        d.put("training.seed", 0L);
        d.put("data.dir", "");
        d.put("data.split", "tutorial");
        d.put("data.trainLimit", 0L);
        d.put("data.validationLimit", 0L);
        d.put("data.scaling", "normalize");
        DEFAULTS = java.util.Collections.unmodifiableMap(d);
    }

    static final List<String> OPTIMIZERS = List.of("sgd", "adam", "adamw");
    static final List<String> SPLITS = List.of("tutorial", "official");
    static final List<String> SCHEDULES = List.of("constant", "cosine");

    /**
     * The configuration of {@code values} over the defaults; {@code training.seed} defaults to {@code sweepSeed} and
     * {@code training.epochs} to {@code plannedEpochs} (the sweep's {@code scheduler.maxEpochs}).
     *
     * @throws SweepConfigException naming the key: unknown key, wrong type, value out of range or not allowed, or a
     *                              schedule without a planned length
     */
    public static TrialConfig of(Map<String, Object> values, long sweepSeed, int plannedEpochs) {
        Map<String, Object> v = new LinkedHashMap<>(DEFAULTS);
        v.put("training.seed", sweepSeed);
        v.put("training.epochs", (long) plannedEpochs);
        values.forEach((k, x) -> {
            checkValue(k, x);
            v.put(k, x);
        });
        String schedule = str(v, "optimizer.schedule").toLowerCase(Locale.ROOT);
        int epochs = (int) integer(v, "training.epochs");
        if (!schedule.equals("constant") && epochs < 1) {
            throw new SweepConfigException("optimizer.schedule " + schedule + " spans training.epochs, which must be at least 1, got " + epochs);
        }
        return new TrialConfig(str(v, "model"), str(v, "optimizer.name").toLowerCase(Locale.ROOT), num(v, "optimizer.lr"), schedule,
                num(v, "optimizer.momentum"), num(v, "optimizer.weightDecay"), (int) integer(v, "training.globalBatchSize"), epochs,
                integer(v, "training.seed"), str(v, "data.dir"), str(v, "data.split").toLowerCase(Locale.ROOT),
                (int) integer(v, "data.trainLimit"), (int) integer(v, "data.validationLimit"),
                PixelScaling.valueOf(str(v, "data.scaling").toUpperCase(Locale.ROOT)));
    }

    /** As {@link #of(Map, long, int)} for a trial with no planned length (a schedule then needs {@code training.epochs}). */
    public static TrialConfig of(Map<String, Object> values, long sweepSeed) {
        return of(values, sweepSeed, 0);
    }

    /**
     * Checks one value for one key, as early as the sweep file is read.
     *
     * @throws SweepConfigException naming the key and what is allowed
     */
    public static void checkValue(String key, Object value) {
        if (!DEFAULTS.containsKey(key)) {
            throw new SweepConfigException("unknown configuration key '" + key + "'; a trial understands " + String.join(", ", DEFAULTS.keySet()));
        }
        Object def = DEFAULTS.get(key);
        if (def instanceof String) {
            if (!(value instanceof String s)) {
                throw new SweepConfigException(key + " must be a string, got " + value);
            }
            switch (key) {
                case "model" -> {
                    try {
                        NamedSpec.resolve(s);
                    } catch (RuntimeException e) {
                        throw new SweepConfigException("model '" + s + "' is neither a named model (" + String.join(", ", NamedSpec.names())
                                + ") nor a valid spec: " + e.getMessage());
                    }
                }
                case "optimizer.name" -> allowed(key, s, OPTIMIZERS);
                case "optimizer.schedule" -> allowed(key, s, SCHEDULES);
                case "data.split" -> allowed(key, s, SPLITS);
                case "data.scaling" -> allowed(key, s, java.util.Arrays.stream(PixelScaling.values())
                        .map(p -> p.name().toLowerCase(Locale.ROOT)).toList());
                default -> { }
            }
            return;
        }
        if (!(value instanceof Number n)) {
            throw new SweepConfigException(key + " must be a number, got '" + value + "'");
        }
        if (def instanceof Long && !(value instanceof Long || value instanceof Integer)) {
            throw new SweepConfigException(key + " must be an integer, got " + value);
        }
        double d = n.doubleValue();
        switch (key) {
            case "optimizer.lr" -> positive(key, d);
            case "training.globalBatchSize" -> {
                if (d < 1) {
                    throw new SweepConfigException(key + " must be at least 1, got " + value);
                }
            }
            case "optimizer.momentum", "optimizer.weightDecay", "training.epochs", "data.trainLimit", "data.validationLimit" -> {
                if (d < 0) {
                    throw new SweepConfigException(key + " must not be negative, got " + value);
                }
            }
            default -> { }
        }
    }

    /** The model's layers. */
    public ModelSpec modelSpec() {
        return NamedSpec.resolve(model);
    }

    /** The keys and values, as {@link #of} reads them (for {@code config.yaml}). */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("optimizer.name", optimizer);
        m.put("optimizer.lr", lr);
        m.put("optimizer.schedule", schedule);
        m.put("optimizer.momentum", momentum);
        m.put("optimizer.weightDecay", weightDecay);
        m.put("training.globalBatchSize", (long) globalBatchSize);
        m.put("training.epochs", (long) epochs);
        m.put("training.seed", seed);
        m.put("data.dir", dataDir);
        m.put("data.split", split);
        m.put("data.trainLimit", (long) trainLimit);
        m.put("data.validationLimit", (long) validationLimit);
        m.put("data.scaling", scaling.name().toLowerCase(Locale.ROOT));
        return m;
    }

    /** As {@link #asMap()}, nested at the dots ({@code optimizer: {lr: ...}}), for a YAML file. */
    public Map<String, Object> nested() {
        Map<String, Object> root = new TreeMap<>();
        asMap().forEach((k, v) -> {
            String[] parts = k.split("\\.");
            Map<String, Object> m = root;
            for (int i = 0; i < parts.length - 1; i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> next = (Map<String, Object>) m.computeIfAbsent(parts[i], x -> new TreeMap<String, Object>());
                m = next;
            }
            m.put(parts[parts.length - 1], v);
        });
        return root;
    }

    private static void allowed(String key, String value, List<String> allowed) {
        if (!allowed.contains(value.toLowerCase(Locale.ROOT))) {
            throw new SweepConfigException(key + " '" + value + "' is not allowed; allowed: " + String.join(", ", allowed));
        }
    }

    private static void positive(String key, double d) {
        if (!(d > 0)) {
            throw new SweepConfigException(key + " must be positive, got " + d);
        }
    }

    private static String str(Map<String, Object> v, String k) {
        return (String) v.get(k);
    }

    private static double num(Map<String, Object> v, String k) {
        return ((Number) v.get(k)).doubleValue();
    }

    private static long integer(Map<String, Object> v, String k) {
        return ((Number) v.get(k)).longValue();
    }
}
