package io.sparkgrad.trainer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link DistributedTrainer#fit()} returns.
 *
 * @param parameters the final flat parameters (a copy owned by the caller)
 * @param layout     names and shapes of the tensors inside {@code parameters}
 * @param history    one entry per completed epoch, including epochs restored from a checkpoint
 */
public record TrainingResult(float[] parameters, List<ParameterSlice> layout, List<EpochStats> history) {

    public TrainingResult {
        layout = List.copyOf(layout);
        history = List.copyOf(history);
    }

    /** The parameters as a state dict: one fresh array per tensor, by PyTorch name, in layout order. */
    public Map<String, float[]> namedParameters() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (ParameterSlice s : layout) {
            float[] t = new float[s.size()];
            System.arraycopy(parameters, s.offset(), t, 0, t.length);
            out.put(s.name(), t);
        }
        return out;
    }

    /** The last epoch's statistics. */
    public EpochStats lastEpoch() {
        if (history.isEmpty()) {
            throw new IllegalStateException("the run completed no epoch");
        }
        return history.get(history.size() - 1);
    }
}
