package io.sparkgrad.data;

/**
 * A map-style dataset, as {@code torch.utils.data.Dataset}: a fixed number of examples addressed by index.
 * {@link TensorDataset} is the common implementation; {@link DataLoader} batches any dataset.
 */
public interface Dataset {

    /** The number of examples. */
    int size();

    /**
     * The example at {@code index}, in {@code [0, size())}. Examples of one dataset have equal shapes and dtypes, so
     * that a {@link DataLoader} can stack them into a batch.
     */
    Example get(int index);
}
