package io.sparkgrad.trainer.data;

import io.sparkgrad.ingest.block.SampleBlock;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.BinaryAttribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Any DataFrame with a features column and a numeric label column as the trainer's blocks, one {@link SampleBlock}
 * per partition of the frame, for {@code DistributedTrainer.Builder.trainingData(JavaRDD)}:
 *
 * <pre>{@code
 * JavaRDD<SampleBlock> train = FrameBlocks.of("features", "label").featureShape(1, 28, 28).toBlocks(frame, "training data");
 * }</pre>
 *
 * <p><b>Features</b> are a Spark ML {@code Vector} (dense or sparse), {@code array<float>}, {@code array<double>} or
 * {@code binary} bytes ({@link FeatureColumn}); unsigned bytes become floats through a 256-entry table, by default
 * {@code b / 255}. The shape of one sample is given ({@link #featureShape}, e.g. {@code [1, 28, 28]}) or inferred as
 * {@code [n]} from the first row; every row must hold exactly the shape's product of values.
 *
 * <p><b>Labels</b> are any numeric column with integral values {@code 0 .. k-1}. {@code k} is given
 * ({@link #numClasses}), or read from the column's ML attribute metadata (a {@code NominalAttribute} with its number
 * of values, as {@code StringIndexer} writes it, or a {@code BinaryAttribute}), or else the largest label plus 1.
 *
 * <p>Bad rows fail the conversion with a message that names the column, the partition and row, and what is wrong
 * (both sizes, or the label's value).
 */
public final class FrameBlocks implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int CHUNK = 256;

    private final String featuresCol;
    private final String labelCol;
    private final int[] featureShape;
    private final int numClasses;
    private final float[] byteTable;

    private FrameBlocks(String featuresCol, String labelCol, int[] featureShape, int numClasses, float[] byteTable) {
        this.featuresCol = featuresCol;
        this.labelCol = labelCol;
        this.featureShape = featureShape;
        this.numClasses = numClasses;
        this.byteTable = byteTable;
    }

    /** A conversion of the columns {@code featuresCol} and {@code labelCol}, shape and classes inferred, bytes / 255. */
    public static FrameBlocks of(String featuresCol, String labelCol) {
        return new FrameBlocks(Objects.requireNonNull(featuresCol, "featuresCol"), Objects.requireNonNull(labelCol, "labelCol"),
                null, 0, FeatureColumn.unitByteTable());
    }

    /** This conversion with the shape of one sample, e.g. {@code [1, 28, 28]}; none (or null) infers {@code [n]}. */
    public FrameBlocks featureShape(int... shape) {
        if (shape != null && shape.length > 0) {
            for (int d : shape) {
                if (d <= 0) {
                    throw new IllegalArgumentException("feature shape " + Arrays.toString(shape) + " has a non-positive dimension");
                }
            }
        }
        return new FrameBlocks(featuresCol, labelCol, shape == null || shape.length == 0 ? null : shape.clone(), numClasses, byteTable);
    }

    /** This conversion with {@code k} classes (labels must be below it); 0 infers it. */
    public FrameBlocks numClasses(int k) {
        if (k < 0 || k == 1) {
            throw new IllegalArgumentException("numClasses must be at least 2 (or 0 to infer it), got " + k);
        }
        return new FrameBlocks(featuresCol, labelCol, featureShape, k, byteTable);
    }

    /** This conversion with byte {@code b} of a binary features column becoming {@code table[b & 0xFF]}. */
    public FrameBlocks byteValues(float[] table) {
        if (table.length != 256) {
            throw new IllegalArgumentException("a byte table needs 256 values, got " + table.length);
        }
        return new FrameBlocks(featuresCol, labelCol, featureShape, numClasses, table.clone());
    }

    /** The features column. */
    public String featuresCol() {
        return featuresCol;
    }

    /** The label column. */
    public String labelCol() {
        return labelCol;
    }

    /**
     * Checks that the frame has a features column of an allowed type and a numeric label column.
     *
     * @throws IllegalArgumentException naming the column and its type otherwise
     */
    public FeatureColumn check(StructType schema) {
        FeatureColumn kind = FeatureColumn.of(schema, featuresCol);
        StructField label = FeatureColumn.field(schema, labelCol, "label");
        if (!(label.dataType() instanceof NumericType)) {
            throw new IllegalArgumentException("label column '" + labelCol + "' has type " + label.dataType().simpleString()
                    + ", but it must be numeric (class indices 0..k-1; index strings with StringIndexer)");
        }
        return kind;
    }

    /** The shape of one sample: the one given, or {@code [n]} with {@code n} the length of the first row's features. */
    public int[] resolveFeatureShape(Dataset<Row> frame) {
        if (featureShape != null) {
            return featureShape.clone();
        }
        return new int[] {firstLength(frame, featuresCol)};
    }

    /** The number of values in the first non-null row of {@code column} (one small job). */
    public static int firstLength(Dataset<Row> frame, String column) {
        FeatureColumn kind = FeatureColumn.of(frame.schema(), column);
        List<Row> first = frame.select(column).where(functions.col(column).isNotNull()).limit(1).collectAsList();
        if (first.isEmpty()) {
            throw new IllegalArgumentException("cannot infer the feature shape: features column '" + column + "' holds no rows");
        }
        int n = kind.length(first.get(0).get(0));
        if (n == 0) {
            throw new IllegalArgumentException("cannot infer the feature shape: the first row of features column '" + column
                    + "' holds no values");
        }
        return n;
    }

    /**
     * The number of classes: the one given, else the label column's metadata ({@code NominalAttribute} values,
     * {@code BinaryAttribute}: 2), else the largest label plus 1 (one small job).
     */
    public int resolveNumClasses(Dataset<Row> frame) {
        if (numClasses > 0) {
            return numClasses;
        }
        int fromMeta = classesFromMetadata(frame.schema(), labelCol);
        if (fromMeta > 0) {
            return fromMeta;
        }
        Row max = frame.agg(functions.max(functions.col(labelCol).cast("double"))).first();
        if (max.isNullAt(0)) {
            throw new IllegalArgumentException("cannot infer the number of classes: label column '" + labelCol + "' holds no values");
        }
        double m = max.getDouble(0);
        checkLabel(m, Integer.MAX_VALUE - 1, labelCol, "the largest label");
        return Math.max(2, (int) m + 1);
    }

    /** The number of classes the label column's ML attribute says (0 when it says none). */
    public static int classesFromMetadata(StructType schema, String labelCol) {
        Attribute a = Attribute.fromStructField(FeatureColumn.field(schema, labelCol, "label"));
        if (a instanceof NominalAttribute n && n.numValues().isDefined()) {
            return (Integer) n.numValues().get();
        }
        if (a instanceof BinaryAttribute) {
            return 2;
        }
        return 0;
    }

    /**
     * The frame's samples as blocks, one per partition of the frame, in the frame's row order. Resolves the shape and
     * the number of classes first (small driver jobs when they are inferred); the conversion itself runs lazily.
     *
     * @param what what the frame is for, e.g. {@code "training data"}, for error messages
     */
    public JavaRDD<SampleBlock> toBlocks(Dataset<Row> frame, String what) {
        Objects.requireNonNull(frame, what);
        FeatureColumn kind;
        try {
            kind = check(frame.schema());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the " + what + " cannot be trained on: " + e.getMessage(), e);
        }
        int[] shape = resolveFeatureShape(frame);
        int k = resolveNumClasses(frame);
        int per = 1;
        for (int d : shape) {
            per *= d;
        }
        int perSample = per;
        float[] table = byteTable;
        String fCol = featuresCol;
        String lCol = labelCol;
        JavaRDD<Row> rows = frame.select(functions.col(featuresCol), functions.col(labelCol).cast("double")).javaRDD();
        return rows.mapPartitionsWithIndex((p, it) ->
                List.of(block(p, it, kind, shape, perSample, k, table, fCol, lCol)).iterator(), true);
    }

    private static SampleBlock block(int p, Iterator<Row> it, FeatureColumn kind, int[] shape, int per, int k, float[] table,
                                     String fCol, String lCol) {
        SampleBlock.Builder block = new SampleBlock.Builder(p, shape, CHUNK);
        while (it.hasNext()) {
            Row r = it.next();
            String where = "partition " + p + ", row " + block.size();
            if (r.isNullAt(0)) {
                throw new IllegalArgumentException("features column '" + fCol + "', " + where + ": the value is null");
            }
            if (r.isNullAt(1)) {
                throw new IllegalArgumentException("label column '" + lCol + "', " + where + ": the label is null");
            }
            Object v = r.get(0);
            checkLength(kind.length(v), per, shape, fCol, where);
            int off = block.next();
            kind.copy(v, block.features(), off, table);
            block.add(checkLabel(r.getDouble(1), k, lCol, where));
        }
        return block.build();
    }

    /** Fails unless a row's {@code length} values fill the sample shape. */
    public static void checkLength(int length, int per, int[] shape, String column, String where) {
        if (length != per) {
            throw new IllegalArgumentException("features column '" + column + "', " + where + ": " + length
                    + " values, but the input shape " + Arrays.toString(shape) + " needs " + per);
        }
    }

    /** The label {@code v} as a class index, or an error naming the value when it is not an integer in {@code 0..k-1}. */
    static int checkLabel(double v, int k, String column, String where) {
        if (!(v >= 0 && v < k) || v != Math.rint(v)) {
            throw new IllegalArgumentException("label column '" + column + "', " + where + ": label " + v
                    + " is not a class index 0.." + (k - 1) + (v != Math.rint(v) ? " (labels must be integers)" : ""));
        }
        return (int) v;
    }
}
