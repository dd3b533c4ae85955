package io.sparkgrad.trainer.ml;

import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/** The columns a classification model appends: raw prediction and probability vectors, and the prediction. */
final class ModelColumns {

    private ModelColumns() {
    }

    /**
     * {@code schema} with the non-empty ones of the three output columns appended, each with Spark ML attribute
     * metadata when {@code numClasses > 0} (vector size; the prediction as a nominal attribute of that many values).
     *
     * @throws IllegalArgumentException when an output column exists already
     */
    static StructType append(StructType schema, String rawCol, String probabilityCol, String predictionCol, int numClasses) {
        StructType out = schema;
        if (!rawCol.isEmpty()) {
            out = add(out, rawCol, "raw prediction", new StructField(rawCol, SQLDataTypes.VectorType(), false, vectorMeta(rawCol, numClasses)));
        }
        if (!probabilityCol.isEmpty()) {
            out = add(out, probabilityCol, "probability",
                    new StructField(probabilityCol, SQLDataTypes.VectorType(), false, vectorMeta(probabilityCol, numClasses)));
        }
        if (!predictionCol.isEmpty()) {
            Metadata m = numClasses > 0 ? NominalAttribute.defaultAttr().withName(predictionCol).withNumValues(numClasses).toMetadata()
                    : Metadata.empty();
            out = add(out, predictionCol, "prediction", new StructField(predictionCol, DataTypes.DoubleType, false, m));
        }
        return out;
    }

    private static Metadata vectorMeta(String name, int numClasses) {
        return numClasses > 0 ? new AttributeGroup(name, numClasses).toMetadata() : Metadata.empty();
    }

    private static StructType add(StructType schema, String name, String role, StructField field) {
        if (Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException(role + " column '" + name + "' already exists; set another name for it");
        }
        return schema.add(field);
    }
}
