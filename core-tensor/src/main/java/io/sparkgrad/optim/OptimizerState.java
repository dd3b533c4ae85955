package io.sparkgrad.optim;

import io.sparkgrad.tensor.DType;
import io.sparkgrad.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything an {@link Optimizer} needs to continue bit for bit, as plain data: PyTorch's {@code optimizer.state_dict()}.
 *
 * <ul>
 *   <li>{@code optimizer}: the optimizer's name ({@code "SGD"}, {@code "Adam"}, {@code "AdamW"}), checked on load;</li>
 *   <li>{@code hyperparameters}: the settings under PyTorch's names ({@code lr}, {@code momentum}, {@code weight_decay},
 *       {@code betas} as {@code beta1}/{@code beta2}, ...); booleans are stored as 1.0 / 0.0;</li>
 *   <li>{@code steps}: per-parameter step counts, keyed {@code "<param index>.step"} (Adam's {@code t});</li>
 *   <li>{@code buffers}: per-parameter state arrays, keyed {@code "<param index>.<name>"} ({@code "0.momentum_buffer"},
 *       {@code "1.exp_avg"}, {@code "1.exp_avg_sq"}, {@code "1.max_exp_avg_sq"}), each as long as its parameter.</li>
 * </ul>
 *
 * A parameter that has not been stepped yet has no entries (state is created lazily, as in PyTorch). The maps are
 * unmodifiable copies; the arrays are owned by the record (an optimizer copies them in and out, so a state taken
 * from a running optimizer is a snapshot; the record's {@code equals} compares the arrays by identity, so compare
 * contents with {@link java.util.Arrays#equals(float[], float[])}). {@link #tensors()} and {@link #metadata()} give the same content in the
 * shape a safetensors checkpoint stores ({@link io.sparkgrad.io.Safetensors}), and {@link #fromTensors} reads it back.
 */
public record OptimizerState(String optimizer, Map<String, Double> hyperparameters, Map<String, Long> steps,
                             Map<String, float[]> buffers) {

    /** Metadata key of the optimizer's name in {@link #metadata()}. */
    public static final String OPTIMIZER_KEY = "optimizer";
    private static final String HYPERPARAMETER_PREFIX = "hp.";
    private static final String STEP_PREFIX = "step.";

    public OptimizerState {
        if (optimizer == null || optimizer.isEmpty()) {
            throw new IllegalArgumentException("optimizer state needs the optimizer's name");
        }
        requireNoNullValues(hyperparameters, "hyperparameter");
        requireNoNullValues(steps, "step count");
        requireNoNullValues(buffers, "buffer");
        hyperparameters = Collections.unmodifiableMap(new LinkedHashMap<>(hyperparameters));
        steps = Collections.unmodifiableMap(new LinkedHashMap<>(steps));
        buffers = Collections.unmodifiableMap(new LinkedHashMap<>(buffers));
    }

    private static void requireNoNullValues(Map<String, ?> map, String what) {
        map.forEach((k, v) -> {
            if (k == null || v == null) {
                throw new IllegalArgumentException("optimizer state " + what + " '" + k + "' has no value");
            }
        });
    }

    /** The buffers as 1-D float tensors sharing the arrays, named as in {@link #buffers()}. */
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        buffers.forEach((name, values) -> out.put(name, Tensor.of(values, values.length)));
        return out;
    }

    /**
     * The name, hyperparameters ({@code "hp.<name>"}) and step counts ({@code "step.<key>"}) as strings; doubles are
     * written so that they parse back to the same value.
     */
    public Map<String, String> metadata() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(OPTIMIZER_KEY, optimizer);
        hyperparameters.forEach((k, v) -> out.put(HYPERPARAMETER_PREFIX + k, Double.toString(v)));
        steps.forEach((k, v) -> out.put(STEP_PREFIX + k, Long.toString(v)));
        return out;
    }

    /**
     * Rebuilds a state from {@link #tensors()} and {@link #metadata()} (e.g. as read back from a safetensors file).
     *
     * @throws IllegalArgumentException when the metadata lacks the optimizer's name, has a key of unknown kind or a
     *         value that does not parse, or a tensor is not FLOAT32
     */
    public static OptimizerState fromTensors(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, float[]> buffers = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            if (t.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException("optimizer state buffer '" + e.getKey() + "' must be FLOAT32, got " + t.dtype());
            }
            buffers.put(e.getKey(), t.toFloatArray());
        }
        return fromMetadata(metadata, buffers);
    }

    /**
     * Rebuilds a state from {@link #metadata()} and the {@link #buffers()} as plain arrays (e.g. a checkpoint that
     * stores the buffers itself).
     *
     * @throws IllegalArgumentException when the metadata lacks the optimizer's name, has a key of unknown kind or a
     *         value that does not parse
     */
    public static OptimizerState fromMetadata(Map<String, String> metadata, Map<String, float[]> buffers) {
        String name = metadata.get(OPTIMIZER_KEY);
        if (name == null) {
            throw new IllegalArgumentException("optimizer state metadata has no '" + OPTIMIZER_KEY + "' entry; keys: " + metadata.keySet());
        }
        Map<String, Double> hyper = new LinkedHashMap<>();
        Map<String, Long> steps = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String key = e.getKey();
            try {
                if (key.startsWith(HYPERPARAMETER_PREFIX)) {
                    hyper.put(key.substring(HYPERPARAMETER_PREFIX.length()), Double.parseDouble(e.getValue()));
                } else if (key.startsWith(STEP_PREFIX)) {
                    steps.put(key.substring(STEP_PREFIX.length()), Long.parseLong(e.getValue()));
                } else if (!key.equals(OPTIMIZER_KEY)) {
                    throw new IllegalArgumentException("optimizer state metadata has an unknown key '" + key
                            + "'; expected '" + OPTIMIZER_KEY + "', '" + HYPERPARAMETER_PREFIX + "<name>' or '" + STEP_PREFIX + "<param>.step'");
                }
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("optimizer state metadata '" + key + "' = '" + e.getValue() + "' is not a number", ex);
            }
        }
        return new OptimizerState(name, hyper, steps, buffers);
    }
}
