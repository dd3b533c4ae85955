package io.sparkgrad.kernel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A small cache of per-geometry plans (index tables that depend only on the layer's shape, not
 * on the batch size or the data), so that a training loop builds them once per layer instead of once per call.
 * Keys are geometries with the batch size set to 0.
 *
 * @param <V> the plan type; must be immutable or safe to share between threads
 */
final class PlanCache<V> {

    /** Distinct layer shapes kept; past that the cache starts over (a model has a handful of conv layers). */
    private static final int CAPACITY = 64;
    // Read on every convolution call: a lock-free map, not a synchronized LRU (its lock and list updates showed up at
    // a few percent of a small CNN's training step).
    private final Map<Conv2dGeometry, V> plans = new ConcurrentHashMap<>();
    private final Function<Conv2dGeometry, V> build;

    PlanCache(Function<Conv2dGeometry, V> build) {
        this.build = build;
    }

    /** The plan for this geometry's layer shape, built on first use. */
    V get(Conv2dGeometry g) {
        Conv2dGeometry key = new Conv2dGeometry(0, g.c(), g.h(), g.w(), g.o(), g.kh(), g.kw(), g.strideH(),
                g.strideW(), g.padH(), g.padW(), g.dilationH(), g.dilationW(), g.groups());
        V plan = plans.get(key);
        if (plan == null) {
            if (plans.size() >= CAPACITY) {
                plans.clear();
            }
            plan = plans.computeIfAbsent(key, build);
        }
        return plan;
    }
}
