package io.sparkgrad.trainer.sweep;

import io.sparkgrad.data.TensorDataset;
import io.sparkgrad.ingest.mnist.Mnist;
import io.sparkgrad.ingest.mnist.MnistCache;
import io.sparkgrad.ingest.mnist.MnistSplit;
import io.sparkgrad.ingest.mnist.MnistSubset;
import io.sparkgrad.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A trial's training and validation data, read once per JVM and shared by every trial that runs there.
 *
 * <p>Trial-per-task mode runs many trials on each executor; reading and scaling MNIST for each would cost more than a
 * short trial's training. So the first trial to ask for a (folder, split, limits, scaling) loads it and every later
 * one gets the same arrays. The cache is read-only after loading (trials copy batches out of it), so sharing it
 * between concurrent trials, and between sweeps in one driver, is safe.
 *
 * @param train      training images {@code [n, 1, 28, 28]} and labels {@code [n]}
 * @param validation validation images {@code [m, 1, 28, 28]} and labels {@code [m]}
 */
public record TrialData(TensorDataset train, TensorDataset validation) {

    /** One sample's shape: MNIST's {@code [1, 28, 28]}. */
    public static final int[] INPUT_SHAPE = {1, MnistSplit.ROWS, MnistSplit.COLS};

    private static final Map<String, TrialData> CACHE = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    /** How many times this JVM has read a data set from files (tests check that trials share one read). */
    public static int loads() {
        return LOADS.get();
    }

    /**
     * Forgets every cached data set in this JVM (a long-lived driver in local mode that is done sweeping may call it;
     * each entry holds its images as floats, about 190 MB for all of MNIST).
     */
    public static void clear() {
        CACHE.clear();
    }

    /** The data of {@code c}'s {@code data.*} keys, loaded on first use in this JVM. */
    public static TrialData of(TrialConfig c, Configuration conf) {
        String key = c.dataDir() + '|' + c.split() + '|' + c.trainLimit() + '|' + c.validationLimit() + '|' + c.scaling();
        return CACHE.computeIfAbsent(key, k -> {
            try {
                return load(c, conf);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read MNIST from data.dir " + (c.dataDir().isEmpty() ? MnistCache.defaultDir() : c.dataDir())
                        + ": " + e.getMessage(), e);
            }
        });
    }

    private static TrialData load(TrialConfig c, Configuration conf) throws IOException {
        LOADS.incrementAndGet();
        Mnist mnist = c.dataDir().isEmpty() ? Mnist.in(MnistCache.defaultDir()) : Mnist.in(new Path(c.dataDir()), conf);
        MnistSplit train = c.split().equals("official") ? mnist.load(MnistSubset.TRAIN, c.scaling()) : mnist.load(MnistSubset.TUTORIAL_TRAIN, c.scaling());
        MnistSplit valid = c.split().equals("official") ? mnist.load(MnistSubset.TEST, c.scaling()) : mnist.load(MnistSubset.TUTORIAL_VALID, c.scaling());
        return new TrialData(dataset(train, c.trainLimit()), dataset(valid, c.validationLimit()));
    }

    private static TensorDataset dataset(MnistSplit s, int limit) {
        int n = limit > 0 ? Math.min(limit, s.count()) : s.count();
        float[] x = n == s.count() ? s.images() : java.util.Arrays.copyOf(s.images(), n * MnistSplit.PIXELS);
        int[] y = n == s.count() ? s.labels() : java.util.Arrays.copyOf(s.labels(), n);
        return new TensorDataset(Tensor.of(x, n, 1, MnistSplit.ROWS, MnistSplit.COLS), Tensor.ofInts(y, n));
    }
}
