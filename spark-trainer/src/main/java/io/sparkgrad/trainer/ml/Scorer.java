package io.sparkgrad.trainer.ml;

import io.sparkgrad.trainer.data.FeatureColumn;
import io.sparkgrad.trainer.data.FrameBlocks;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The model's {@code transform} on one partition: builds the network once from the spec and the broadcast weights,
 * runs the rows through it {@link SparkgradClassificationModel#BATCH} at a time, and appends the logits, their softmax
 * and the predicted class to every row. Ships only the spec, the shape and the broadcast handle.
 */
final class Scorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final String layers;
    private final int[] inputShape;
    private final Broadcast<float[]> weights;
    private final FeatureColumn kind;
    private final int featuresIndex;
    private final String featuresCol;
    private final int numClasses;
    private final boolean raw;
    private final boolean probability;
    private final boolean prediction;
    private final double[] thresholds;

    Scorer(String layers, int[] inputShape, Broadcast<float[]> weights, FeatureColumn kind, int featuresIndex, String featuresCol,
           int numClasses, boolean raw, boolean probability, boolean prediction, double[] thresholds) {
        this.layers = layers;
        this.inputShape = inputShape.clone();
        this.weights = weights;
        this.kind = kind;
        this.featuresIndex = featuresIndex;
        this.featuresCol = featuresCol;
        this.numClasses = numClasses;
        this.raw = raw;
        this.probability = probability;
        this.prediction = prediction;
        this.thresholds = thresholds == null ? null : thresholds.clone();
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        Network net = new Network(layers, inputShape, weights.value());
        int per = 1;
        for (int d : inputShape) {
            per *= d;
        }
        int perSample = per;
        float[] byteTable = FeatureColumn.unitByteTable();
        TaskContext ctx = TaskContext.get();
        int partition = ctx == null ? 0 : ctx.partitionId();
        return new Iterator<>() {
            private final Row[] in = new Row[SparkgradClassificationModel.BATCH];
            private final Row[] out = new Row[SparkgradClassificationModel.BATCH];
            private final float[] x = new float[SparkgradClassificationModel.BATCH * perSample];
            private int next;
            private int count;
            private long seen;

            @Override
            public boolean hasNext() {
                if (next < count) {
                    return true;
                }
                fill();
                return count > 0;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Row r = out[next];
                out[next++] = null;
                return r;
            }

            private void fill() {
                next = 0;
                count = 0;
                while (count < in.length && rows.hasNext()) {
                    Row r = rows.next();
                    String where = "partition " + partition + ", row " + seen;
                    if (r.isNullAt(featuresIndex)) {
                        throw new IllegalArgumentException("features column '" + featuresCol + "', " + where + ": the value is null");
                    }
                    Object v = r.get(featuresIndex);
                    FrameBlocks.checkLength(kind.length(v), perSample, inputShape, featuresCol, where);
                    kind.copy(v, x, count * perSample, byteTable);
                    in[count++] = r;
                    seen++;
                }
                if (count == 0) {
                    return;
                }
                float[] logits = net.forward(x, count);
                for (int i = 0; i < count; i++) {
                    out[i] = append(in[i], logits, i * numClasses);
                    in[i] = null;
                }
            }
        };
    }

    private Row append(Row row, float[] logits, int offset) {
        int n = row.length();
        Object[] values = new Object[n + (raw ? 1 : 0) + (probability ? 1 : 0) + (prediction ? 1 : 0)];
        for (int i = 0; i < n; i++) {
            values[i] = row.get(i);
        }
        double[] z = new double[numClasses];
        for (int c = 0; c < numClasses; c++) {
            z[c] = logits[offset + c];
        }
        int at = n;
        if (raw) {
            values[at++] = Vectors.dense(z.clone());
        }
        double[] p = z;
        Network.softmaxInPlace(p);
        if (probability) {
            values[at++] = Vectors.dense(p);
        }
        if (prediction) {
            values[at] = (double) argmax(p);
        }
        return RowFactory.create(values);
    }

    /** The class with the largest probability, each divided by its threshold when thresholds are set (as MLlib does). */
    private int argmax(double[] p) {
        int best = 0;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < p.length; c++) {
            double v = thresholds == null ? p[c] : thresholds[c] == 0 ? Double.POSITIVE_INFINITY : p[c] / thresholds[c];
            if (v > bestValue) {
                bestValue = v;
                best = c;
            }
        }
        return best;
    }
}
