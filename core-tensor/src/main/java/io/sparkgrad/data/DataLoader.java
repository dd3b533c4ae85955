package io.sparkgrad.data;

import io.sparkgrad.tensor.Generator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Iterates a {@link Dataset} in mini-batches, as {@code torch.utils.data.DataLoader} (single process).
 *
 * <p>Each {@link #iterator()} is one epoch. With shuffling, every epoch draws a fresh permutation from the loader's
 * {@link Generator} (the global one unless given), so a seeded generator makes the whole sequence of epochs
 * reproducible while each epoch is ordered differently. The last batch is smaller when the batch size does not divide
 * the dataset, unless {@code dropLast} drops it. A {@link TensorDataset} is batched by copying rows directly; other
 * datasets are batched by stacking their examples.
 *
 * <p>{@link #map(Function)} gives a loader that applies a function to every batch, the tutorial's
 * {@code WrappedDataLoader}: {@code loader.map(b -> new Batch(b.x().view(-1, 1, 28, 28), b.y()))}.
 */
public final class DataLoader implements Iterable<Batch> {
    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final Generator generator;
    private final boolean dropLast;
    private final Function<Batch, Batch> transform;

    /** Batches in dataset order, keeping a smaller last batch. */
    public DataLoader(Dataset dataset, int batchSize) {
        this(dataset, batchSize, false, null, false, null);
    }

    /** Batches, shuffled each epoch with the global generator when {@code shuffle}. */
    public DataLoader(Dataset dataset, int batchSize, boolean shuffle) {
        this(dataset, batchSize, shuffle, null, false, null);
    }

    private DataLoader(Dataset dataset, int batchSize, boolean shuffle, Generator generator, boolean dropLast,
                       Function<Batch, Batch> transform) {
        if (dataset == null) {
            throw new IllegalArgumentException("DataLoader needs a dataset");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch_size should be a positive integer value, but got batch_size=" + batchSize);
        }
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.generator = generator != null ? generator : Generator.global();
        this.dropLast = dropLast;
        this.transform = transform;
    }

    /** A builder: batch size 1, no shuffling, the global generator, keeping the last batch (PyTorch's defaults). */
    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    public Dataset dataset() {
        return dataset;
    }

    public int batchSize() {
        return batchSize;
    }

    public boolean shuffle() {
        return shuffle;
    }

    public boolean dropLast() {
        return dropLast;
    }

    /** The number of batches per epoch ({@code len(dataloader)}). */
    public int size() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /**
     * A loader over the same dataset and settings (and the same generator) whose batches are {@code fn} applied to
     * this loader's batches. Loaders can be mapped repeatedly; the functions apply in order.
     */
    public DataLoader map(Function<Batch, Batch> fn) {
        if (fn == null) {
            throw new IllegalArgumentException("DataLoader.map needs a function");
        }
        Function<Batch, Batch> composed = transform == null ? fn : transform.andThen(fn);
        return new DataLoader(dataset, batchSize, shuffle, generator, dropLast, composed);
    }

    /** One epoch of batches; with shuffling, this call draws the epoch's permutation. */
    @Override
    public Iterator<Batch> iterator() {
        int n = dataset.size();
        int batches = size();
        int[] order = shuffle ? generator.permutation(n) : null;
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < batches;
            }

            @Override
            public Batch next() {
                if (next >= batches) {
                    throw new NoSuchElementException("the epoch has " + batches + " batches");
                }
                int from = next * batchSize;
                int count = Math.min(batchSize, n - from);
                next++;
                Batch b = dataset instanceof TensorDataset td ? td.batch(order, from, count) : Collate.examples(dataset, order, from, count);
                return transform == null ? b : transform.apply(b);
            }
        };
    }

    /** Builds a {@link DataLoader}; validation happens in {@link #build()}. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 1;
        private boolean shuffle;
        private Generator generator;
        private boolean dropLast;

        private Builder(Dataset dataset) {
            this.dataset = dataset;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** The generator that shuffles (implies nothing by itself: also call {@code shuffle(true)}). */
        public Builder generator(Generator generator) {
            this.generator = generator;
            return this;
        }

        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        public DataLoader build() {
            return new DataLoader(dataset, batchSize, shuffle, generator, dropLast, null);
        }
    }
}
