package io.sparkgrad.trainer.sweep;

import io.sparkgrad.tensor.Generator;
import io.sparkgrad.trainer.plan.Seeds;
import java.util.LinkedHashMap;
import java.util.Map;

/** Random search: trial {@code i} draws every key, in the space's order, from a generator seeded by (sweep seed, i). */
public final class RandomSearcher implements Searcher {
    /** Salt of the searcher's generators, so they differ from the trials' training seeds. */
    static final long SALT = 0x5345415243484CL;

    private final SearchSpace space;
    private final int trials;
    private final long seed;

    public RandomSearcher(SearchSpace space, int trials, long seed) {
        if (trials < 1) {
            throw new SweepConfigException("sweep.trials must be at least 1, got " + trials);
        }
        this.space = space;
        this.trials = trials;
        this.seed = seed;
    }

    @Override
    public String name() {
        return "random";
    }

    @Override
    public int trials() {
        return trials;
    }

    @Override
    public Map<String, Object> config(int trial) {
        return draw(space, seed, trial, Map.of());
    }

    /**
     * Trial {@code trial}'s values of every key of {@code space}, in its order: {@code fixed}'s value where it has the
     * key, else a draw from the trial's generator (seeded by the sweep seed and the trial), in key order.
     */
    static Map<String, Object> draw(SearchSpace space, long seed, int trial, Map<String, Object> fixed) {
        Generator g = new Generator(Seeds.derive(seed, SALT, trial));
        Map<String, Object> out = new LinkedHashMap<>();
        space.domains().forEach((k, d) -> out.put(k, fixed.containsKey(k) ? fixed.get(k) : d.sample(g)));
        return out;
    }
}
