package io.sparkgrad.trainer.sweep;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One trial as the driver tracks it: its proposed parameters, every epoch's metrics, its latest checkpoint, status
 * and error. Changed only by the sweep's driver loop (one thread).
 */
public final class Trial {
    private final int id;
    private final Map<String, Object> params;
    private final List<EpochResult> epochs = new ArrayList<>();
    private TrialStatus status = TrialStatus.PENDING;
    private String checkpoint;
    private String error;
    private double seconds;

    Trial(int id, Map<String, Object> params) {
        this.id = id;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /** The trial's number, from 0. */
    public int id() {
        return id;
    }

    /** The keys the sweep's space gives it (swept and fixed), in the space's order. */
    public Map<String, Object> params() {
        return params;
    }

    /** Its epochs' metrics, epoch 1 first. */
    public List<EpochResult> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    public TrialStatus status() {
        return status;
    }

    /** The latest checkpoint's path, or null before the first milestone. */
    public String checkpoint() {
        return checkpoint;
    }

    /** Why it failed, or null. */
    public String error() {
        return error;
    }

    /** Task wall time of all its segments. */
    public double seconds() {
        return seconds;
    }

    /** The objective at its last trained epoch (NaN before any). */
    public double last(Objective objective) {
        return epochs.isEmpty() ? Double.NaN : objective.of(epochs.get(epochs.size() - 1));
    }

    /** The objective's history, one value per epoch trained. */
    double[] history(Objective objective) {
        return epochs.stream().mapToDouble(objective::of).toArray();
    }

    void status(TrialStatus s) {
        status = s;
    }

    void apply(SegmentResult r) {
        epochs.addAll(r.epochs());
        seconds += r.seconds();
        if (r.failed()) {
            error = r.error();
        } else {
            checkpoint = r.checkpoint();
        }
    }
}
