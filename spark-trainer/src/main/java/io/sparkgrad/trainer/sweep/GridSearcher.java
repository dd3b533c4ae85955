package io.sparkgrad.trainer.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Grid search: the cartesian product of the {@code grid(...)} and {@code choice(...)} keys, the last key varying
 * fastest; continuous keys are drawn per trial as the random searcher draws them. {@code trials} must be a multiple
 * of the grid's size: the grid is run that many times over (with fresh draws of the continuous keys).
 */
public final class GridSearcher implements Searcher {
    private final SearchSpace space;
    private final long seed;
    private final List<String> gridKeys = new ArrayList<>();
    private final List<List<Object>> gridValues = new ArrayList<>();
    private final int size;
    private final int trials;

    /**
     * @param trials the number of trials, or 0 for one pass over the grid
     */
    public GridSearcher(SearchSpace space, int trials, long seed) {
        this.space = space;
        this.seed = seed;
        long n = 1;
        for (Map.Entry<String, Domain> e : space.domains().entrySet()) {
            List<Object> values = e.getValue() instanceof Domain.Listed l ? l.values() : null;
            if (values != null) {
                gridKeys.add(e.getKey());
                gridValues.add(values);
                n *= values.size();
                if (n > 1_000_000) {
                    throw new SweepConfigException("the grid has more than 1,000,000 points; use search: random");
                }
            }
        }
        this.size = (int) n;
        if (trials != 0 && trials % size != 0) {
            throw new SweepConfigException("sweep.trials " + trials + " is not a multiple of the grid's " + size
                    + " points; leave sweep.trials out for one pass over the grid");
        }
        this.trials = trials == 0 ? size : trials;
    }

    /** The grid's number of points. */
    public int gridSize() {
        return size;
    }

    @Override
    public String name() {
        return "grid";
    }

    @Override
    public int trials() {
        return trials;
    }

    @Override
    public Map<String, Object> config(int trial) {
        Map<String, Object> point = new LinkedHashMap<>();
        int rest = trial % size;
        for (int i = gridKeys.size() - 1; i >= 0; i--) {
            List<Object> values = gridValues.get(i);
            point.put(gridKeys.get(i), values.get(rest % values.size()));
            rest /= values.size();
        }
        return RandomSearcher.draw(space, seed, trial, point);
    }
}
