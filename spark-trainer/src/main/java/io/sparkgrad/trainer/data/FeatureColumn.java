package io.sparkgrad.trainer.data;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.List;

/**
 * How a DataFrame column holds one sample's features, and how its values (as {@link org.apache.spark.sql.Row#get}
 * gives them) become floats. Four kinds: a Spark ML {@link Vector} (dense or sparse), {@code array<float>},
 * {@code array<double>}, or {@code binary} bytes read as unsigned (0-255) and mapped through a 256-entry table
 * (by default {@code b / 255}, as torchvision's {@code ToTensor} does).
 */
public enum FeatureColumn {
    /** A Spark ML {@code Vector} column ({@code VectorUDT}), dense or sparse. */
    VECTOR("vector"),
    /** {@code array<float>}. */
    FLOAT_ARRAY("array<float>"),
    /** {@code array<double>}. */
    DOUBLE_ARRAY("array<double>"),
    /** {@code binary}: unsigned bytes, e.g. raw image pixels. */
    BYTES("binary");

    /** The column types a features column may have, for error messages. */
    public static final String ALLOWED = "a Spark ML vector, array<float>, array<double> or binary (image bytes)";

    private final String typeName;

    FeatureColumn(String typeName) {
        this.typeName = typeName;
    }

    /** The SQL type name, e.g. {@code array<float>}. */
    public String typeName() {
        return typeName;
    }

    /**
     * The kind of the column {@code column} of {@code schema}.
     *
     * @throws IllegalArgumentException when the column is missing (the message lists the columns there are) or has
     *                                  another type (the message names the column and its type)
     */
    public static FeatureColumn of(StructType schema, String column) {
        StructField field = field(schema, column, "features");
        DataType t = field.dataType();
        if (t.equals(SQLDataTypes.VectorType())) {
            return VECTOR;
        }
        if (t instanceof ArrayType a) {
            if (a.elementType().equals(DataTypes.FloatType)) {
                return FLOAT_ARRAY;
            }
            if (a.elementType().equals(DataTypes.DoubleType)) {
                return DOUBLE_ARRAY;
            }
        }
        if (t.equals(DataTypes.BinaryType)) {
            return BYTES;
        }
        throw new IllegalArgumentException("features column '" + column + "' has type " + t.simpleString() + ", but it must be "
                + ALLOWED + (t instanceof ArrayType ? " (cast the array, e.g. col.cast(\"array<float>\"))" : ""));
    }

    /**
     * The field {@code column} of {@code schema}.
     *
     * @param role what the column is for, e.g. {@code label}, for the message
     */
    public static StructField field(StructType schema, String column, String role) {
        if (column == null || column.isEmpty()) {
            throw new IllegalArgumentException("the " + role + " column name is not set");
        }
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(column)) {
            throw new IllegalArgumentException(role + " column '" + column + "' does not exist; the data has columns " + names);
        }
        return schema.apply(column);
    }

    /** The number of features in {@code value} (a non-null value of this kind of column). */
    public int length(Object value) {
        return switch (this) {
            case VECTOR -> ((Vector) value).size();
            case FLOAT_ARRAY, DOUBLE_ARRAY -> ((scala.collection.Seq<?>) value).length();
            case BYTES -> ((byte[]) value).length;
        };
    }

    /**
     * Writes the floats of {@code value} into {@code out[offset .. offset + length)}.
     *
     * @param byteTable 256 floats, the value of each unsigned byte (used for {@link #BYTES} only)
     */
    public void copy(Object value, float[] out, int offset, float[] byteTable) {
        switch (this) {
            case VECTOR -> {
                Vector v = (Vector) value;
                if (v instanceof org.apache.spark.ml.linalg.DenseVector d) {
                    double[] a = d.values();
                    for (int i = 0; i < a.length; i++) {
                        out[offset + i] = (float) a[i];
                    }
                } else {
                    org.apache.spark.ml.linalg.SparseVector s = (org.apache.spark.ml.linalg.SparseVector) v;
                    Arrays.fill(out, offset, offset + s.size(), 0f);
                    int[] idx = s.indices();
                    double[] a = s.values();
                    for (int i = 0; i < idx.length; i++) {
                        out[offset + idx[i]] = (float) a[i];
                    }
                }
            }
            case FLOAT_ARRAY -> {
                scala.collection.Seq<?> s = (scala.collection.Seq<?>) value;
                int n = s.length();
                for (int i = 0; i < n; i++) {
                    out[offset + i] = (Float) s.apply(i);
                }
            }
            case DOUBLE_ARRAY -> {
                scala.collection.Seq<?> s = (scala.collection.Seq<?>) value;
                int n = s.length();
                for (int i = 0; i < n; i++) {
                    out[offset + i] = ((Double) s.apply(i)).floatValue();
                }
            }
            case BYTES -> {
                byte[] b = (byte[]) value;
                for (int i = 0; i < b.length; i++) {
                    out[offset + i] = byteTable[b[i] & 0xFF];
                }
            }
        }
    }

    /** {@code b / 255} for every unsigned byte {@code b}: pixels in [0, 1]. */
    public static float[] unitByteTable() {
        float[] t = new float[256];
        for (int i = 0; i < 256; i++) {
            t[i] = i / 255f;
        }
        return t;
    }
}
