package io.sparkgrad.job;

import io.sparkgrad.conf.DataConfig;
import io.sparkgrad.conf.DataFormat;
import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Reads {@code data.train} or {@code data.test} as a DataFrame through Spark's reader for {@code data.format}, from
 * any Hadoop path:
 * <ul>
 *   <li>{@code parquet}: the columns {@code data.featuresCol} (a Spark ML vector, an array of floats or doubles, or
 *       image bytes) and {@code data.labelCol};</li>
 *   <li>{@code csv}: a header line; {@code data.labelCol} is the label and every other column (but
 *       {@code data.validationCol}, which the training data must have) a feature, in column order;</li>
 *   <li>{@code libsvm}: Spark's {@code label} and {@code features} columns, with the number of features fixed by the
 *       sample shape when it is known (so that training and test files agree).</li>
 * </ul>
 */
final class FrameReader {
    /** The column CSV features are gathered into. */
    static final String CSV_FEATURES = "features";

    /**
     * A frame and the names of its features and label columns.
     *
     * @param frame       the rows
     * @param featuresCol the features column
     * @param labelCol    the label column
     */
    record Frame(Dataset<Row> frame, String featuresCol, String labelCol) {
    }

    private FrameReader() {
    }

    /**
     * The data at {@code path} (named by {@code key} in messages) as a frame.
     *
     * @param shape one sample's shape when known (LibSVM's number of features), else null
     */
    static Frame read(SparkSession spark, DataConfig data, String path, String key, int[] shape) {
        DataFormat format = data.format();
        Dataset<Row> raw;
        try {
            raw = switch (format) {
                case PARQUET -> spark.read().parquet(path);
                case CSV -> spark.read().option("header", "true").option("inferSchema", "true").csv(path);
                case LIBSVM -> shape == null ? spark.read().format("libsvm").load(path)
                        : spark.read().format("libsvm").option("numFeatures", Arrays.stream(shape).reduce(1, (a, b) -> a * b)).load(path);
                default -> throw new IllegalStateException("not a DataFrame format: " + format);
            };
        } catch (RuntimeException e) {
            if (e instanceof IllegalStateException) {
                throw e;
            }
            throw new IllegalArgumentException(key + ": cannot read " + path + " as " + format.label() + " (data.format): "
                    + e.getMessage(), e);
        }
        return switch (format) {
            case PARQUET -> checked(new Frame(raw, data.featuresCol(), data.labelCol()), key, path);
            case LIBSVM -> new Frame(raw, "features", "label");
            default -> csv(raw, data, key, path);
        };
    }

    private static Frame csv(Dataset<Row> raw, DataConfig data, String key, String path) {
        String label = data.labelCol();
        if (!Arrays.asList(raw.columns()).contains(label)) {
            throw new IllegalArgumentException(key + ": " + path + " has no column '" + label + "' (data.labelCol); its columns: "
                    + String.join(", ", raw.columns()));
        }
        // The validation marker is a column of the training data; elsewhere it is left out of the features if present.
        String valid = data.validationCol();
        boolean marked = valid != null && key.equals("data.train");
        if (marked && !Arrays.asList(raw.columns()).contains(valid)) {
            throw new IllegalArgumentException(key + ": " + path + " has no column '" + valid + "' (data.validationCol); its columns: "
                    + String.join(", ", raw.columns()));
        }
        Column[] features = Arrays.stream(raw.columns())
                .filter(c -> !c.equals(label) && !c.equals(data.validationCol()))
                .map(c -> functions.col("`" + c + "`").cast("double"))
                .toArray(Column[]::new);
        if (features.length == 0) {
            throw new IllegalArgumentException(key + ": " + path + " has no feature columns besides the label '" + label + "'");
        }
        Dataset<Row> frame = !marked
                ? raw.select(functions.array(features).as(CSV_FEATURES), functions.col(label))
                : raw.select(functions.array(features).as(CSV_FEATURES), functions.col(label), functions.col(valid));
        return new Frame(frame, CSV_FEATURES, label);
    }

    private static Frame checked(Frame f, String key, String path) {
        for (String[] c : new String[][] {{f.featuresCol(), "data.featuresCol"}, {f.labelCol(), "data.labelCol"}}) {
            if (!Arrays.asList(f.frame().columns()).contains(c[0])) {
                throw new IllegalArgumentException(key + ": " + path + " has no column '" + c[0] + "' (" + c[1] + "); its columns: "
                        + String.join(", ", f.frame().columns()));
            }
        }
        return f;
    }
}
