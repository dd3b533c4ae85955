package io.sparkgrad.kernel;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A small least-recently-used cache of per-geometry plans (index tables that depend only on the layer's shape, not
 * on the batch size or the data), so that a training loop builds them once per layer instead of once per call.
 * Keys are geometries with the batch size set to 0.
 *
 * @param <V> the plan type; must be immutable or safe to share between threads
 */
final class PlanCache<V> {

    private static final int CAPACITY = 64;
    private final Map<Conv2dGeometry, V> plans = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Conv2dGeometry, V> eldest) {
            return size() > CAPACITY;
        }
    });
    private final Function<Conv2dGeometry, V> build;

    PlanCache(Function<Conv2dGeometry, V> build) {
        this.build = build;
    }

    /** The plan for this geometry's layer shape, built on first use. */
    V get(Conv2dGeometry g) {
        Conv2dGeometry key = new Conv2dGeometry(0, g.c(), g.h(), g.w(), g.o(), g.kh(), g.kw(), g.strideH(),
                g.strideW(), g.padH(), g.padW(), g.dilationH(), g.dilationW(), g.groups());
        return plans.computeIfAbsent(key, build);
    }
}
