package io.sparkgrad.trainer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An optimizer's state in a form any checkpoint writer can store: named float buffers (each as long as the
 * parameter buffer, or any length) and named scalars (step counts; a double holds every long below 2^53 exactly).
 *
 * @param buffers named float arrays, in insertion order
 * @param scalars named numbers, in insertion order
 */
public record OptimizerState(Map<String, float[]> buffers, Map<String, Double> scalars) {

    public OptimizerState {
        LinkedHashMap<String, float[]> b = new LinkedHashMap<>();
        buffers.forEach((k, v) -> b.put(k, v.clone()));
        buffers = Collections.unmodifiableMap(b);
        scalars = Collections.unmodifiableMap(new LinkedHashMap<>(scalars));
    }

    /** The state of an optimizer that has not stepped yet. */
    public static OptimizerState empty() {
        return new OptimizerState(Map.of(), Map.of());
    }
}
