package io.sparkgrad.job;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Reduction;
import io.sparkgrad.tensor.Tensor;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.engine.ModuleReplica;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * A distributed prediction pass of a trained model: the weights go out once by broadcast, every partition runs the
 * model in evaluation mode over its samples in chunks, and the driver gets the summed loss, the confusion matrix
 * and, if asked, every sample's prediction and class probabilities in data order. Test evaluation, the confusion
 * matrix, {@code evaluate} and {@code predict} all run this one pass, so they agree exactly.
 */
public final class Evaluation {
    /** Samples per forward pass: bounds the engine's memory, and small batches run fastest per sample on the CPU. */
    static final int CHUNK = ModuleReplica.EVAL_CHUNK;

    /**
     * What the pass found over the labelled samples.
     *
     * @param lossSum   cross-entropy summed over the labelled samples
     * @param confusion (true class, predicted class) counts of the labelled samples
     * @param samples   every sample, labelled or not
     */
    public record Summary(double lossSum, ConfusionMatrix confusion, long samples) {
        /** Mean cross-entropy over the labelled samples (NaN without any). */
        public double meanLoss() {
            long n = confusion.total();
            return n == 0 ? Double.NaN : lossSum / n;
        }

        /** Fraction of the labelled samples classified correctly (NaN without any). */
        public double accuracy() {
            return confusion.accuracy();
        }
    }

    /**
     * The pass's per-sample results, in data order (partition by partition).
     *
     * @param summary       the totals
     * @param labels        each sample's label, -1 when unlabelled
     * @param predicted     each sample's predicted class
     * @param probabilities each sample's class probabilities (softmax), one per class per sample
     */
    public record Predictions(Summary summary, int[] labels, int[] predicted, float[] probabilities) {
        /** Number of samples. */
        public int size() {
            return predicted.length;
        }
    }

    private Evaluation() {
    }

    /** Loss and confusion matrix of {@code parameters} (the model's flat layout) over {@code data}. */
    public static Summary evaluate(JavaRDD<SampleBlock> data, JobModel model, float[] parameters) {
        return summarize(run(data, model, parameters, false), model.classes());
    }

    /** Every sample's prediction, in data order, with the totals. */
    public static Predictions predict(JavaRDD<SampleBlock> data, JobModel model, float[] parameters) {
        List<PartResult> parts = run(data, model, parameters, true);
        int classes = model.classes();
        int n = 0;
        for (PartResult p : parts) {
            n += p.predicted.length;
        }
        int[] labels = new int[n];
        int[] predicted = new int[n];
        float[] probabilities = new float[n * classes];
        int at = 0;
        for (PartResult p : parts) {
            System.arraycopy(p.labels, 0, labels, at, p.labels.length);
            System.arraycopy(p.predicted, 0, predicted, at, p.predicted.length);
            System.arraycopy(p.probabilities, 0, probabilities, at * classes, p.probabilities.length);
            at += p.predicted.length;
        }
        return new Predictions(summarize(parts, classes), labels, predicted, probabilities);
    }

    private static Summary summarize(List<PartResult> parts, int classes) {
        double loss = 0;
        long samples = 0;
        long[] confusion = new long[classes * classes];
        for (PartResult p : parts) {
            loss += p.lossSum;
            samples += p.samples;
            for (int i = 0; i < confusion.length; i++) {
                confusion[i] += p.confusion[i];
            }
        }
        return new Summary(loss, new ConfusionMatrix(classes, confusion), samples);
    }

    private static List<PartResult> run(JavaRDD<SampleBlock> data, JobModel model, float[] parameters, boolean keep) {
        int classes = model.classes();
        ReplicaFactory factory = model.factory(0);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.context());
        Broadcast<float[]> weights = sc.broadcast(parameters.clone());
        try {
            List<PartResult> parts = new ArrayList<>(data.mapPartitionsWithIndex((p, it) -> {
                TaskContext ctx = TaskContext.get();
                PartResult r = new PartResult(p, classes);
                try (ModuleReplica replica = (ModuleReplica) factory.create(ctx == null ? 1 : ctx.cpus())) {
                    if (replica.numParameters() != weights.value().length) {
                        throw new IllegalStateException("model " + model + " has " + replica.numParameters()
                                + " parameters but the weights being evaluated have " + weights.value().length);
                    }
                    replica.setParameters(weights.value());
                    replica.train(false);
                    while (it.hasNext()) {
                        r.add(replica.model(), it.next(), keep);
                    }
                }
                r.finish();
                return List.of(r).iterator();
            }, true).collect());
            parts.sort(Comparator.comparingInt(r -> r.partition));
            return parts;
        } finally {
            weights.destroy();
        }
    }

    /**
     * One partition's results. A plain class rather than a record: task results go through Kryo, which cannot set a
     * record's final fields.
     */
    static final class PartResult implements Serializable {
        private static final long serialVersionUID = 1L;
        int partition;
        int classes;
        double lossSum;
        long samples;
        long[] confusion;
        int[] labels = new int[0];
        int[] predicted = new int[0];
        float[] probabilities = new float[0];
        private transient int size;

        PartResult() {
        }

        PartResult(int partition, int classes) {
            this.partition = partition;
            this.classes = classes;
            this.confusion = new long[classes * classes];
        }

        void add(Module model, SampleBlock b, boolean keep) {
            int per = b.featureSize();
            int[] shape = new int[b.featureShape().length + 1];
            System.arraycopy(b.featureShape(), 0, shape, 1, shape.length - 1);
            if (keep) {
                grow(size + b.size());
            }
            int chunk = ModuleReplica.evenChunk(b.size(), CHUNK);
            try (var noGrad = Tensor.noGrad()) {
                for (int from = 0; from < b.size(); from += chunk) {
                    int n = Math.min(chunk, b.size() - from);
                    shape[0] = n;
                    Tensor logits = model.forward(Tensor.wrap(b.features(), from * per, shape));
                    if (logits.dim() != 2 || logits.size(1) != classes) {
                        throw new IllegalStateException("the model gives logits of shape " + Arrays.toString(logits.shape())
                                + ", not [" + n + ", " + classes + "]");
                    }
                    int[] pred = logits.argmax(1).toIntArray();
                    int[] y = Arrays.copyOfRange(b.labels(), from, from + n);
                    boolean labelled = y.length > 0 && y[0] >= 0;
                    if (labelled) {
                        for (int i = 0; i < n; i++) {
                            if (y[i] < 0 || y[i] >= classes) {
                                throw new IllegalArgumentException("partition " + partition + ": label " + y[i] + " of sample "
                                        + (from + i) + " is not a class 0-" + (classes - 1) + " of the model");
                            }
                            confusion[y[i] * classes + pred[i]]++;
                        }
                        lossSum += F.crossEntropy(logits, Tensor.ofInts(y, n), Reduction.SUM).item();
                    }
                    if (keep) {
                        System.arraycopy(y, 0, labels, size, n);
                        System.arraycopy(pred, 0, predicted, size, n);
                        float[] p = F.softmax(logits, 1).toFloatArray();
                        System.arraycopy(p, 0, probabilities, size * classes, p.length);
                        size += n;
                    }
                    samples += n;
                }
            }
        }

        private void grow(int capacity) {
            if (predicted.length < capacity) {
                labels = Arrays.copyOf(labels, capacity);
                predicted = Arrays.copyOf(predicted, capacity);
                probabilities = Arrays.copyOf(probabilities, capacity * classes);
            }
        }

        void finish() {
            if (predicted.length != size) {
                labels = Arrays.copyOf(labels, size);
                predicted = Arrays.copyOf(predicted, size);
                probabilities = Arrays.copyOf(probabilities, size * classes);
            }
        }
    }
}
