package io.sparkgrad.trainer.ml;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The estimator's Params, their JSON forms, copies and schema checks, without Spark. */
class SparkgradParamsTest {

    static final StructType GOOD = new StructType()
            .add("features", SQLDataTypes.VectorType())
            .add("label", DataTypes.IntegerType)
            .add("isVal", DataTypes.BooleanType)
            .add("text", DataTypes.StringType)
            .add("ints", DataTypes.createArrayType(DataTypes.IntegerType));

    @Test
    void theLayersParamIsAJsonListOfLayersAndReadsBackCanonical() {
        SparkgradClassifier c = new SparkgradClassifier();
        String json = c.layers().jsonEncode("conv2d(16,5,stride=2,padding=2)  relu flatten linear(10)");
        assertEquals("[\"conv2d(16, 5, stride=2, padding=2)\",\"relu\",\"flatten\",\"linear(10)\"]", json);
        assertEquals("conv2d(16, 5, stride=2, padding=2) relu flatten linear(10)", c.layers().jsonDecode(json));
        assertEquals("linear(64) relu linear(10)", c.layers().jsonDecode("\"linear(64)   relu linear(10)\""), "a plain string reads too");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.layers().jsonDecode("[\"linear(10)\", 3]"));
        assertTrue(e.getMessage().contains("3"), e.getMessage());
    }

    @Test
    void settingABadSpecFailsWithTheSpecsMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SparkgradClassifier().setLayers("linear(10) reluu"));
        assertTrue(e.getMessage().contains("reluu"), e.getMessage());
    }

    @Test
    void theInputShapeRoundTripsAsJsonAndRejectsNonPositiveSizes() {
        SparkgradClassifier c = new SparkgradClassifier();
        assertArrayEquals(new int[] {1, 28, 28}, c.inputShape().jsonDecode(c.inputShape().jsonEncode(new int[] {1, 28, 28})));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.setInputShape(new int[] {0, 28}));
        assertTrue(e.getMessage().contains("[0, 28]"), e.getMessage());
    }

    @Test
    void validatorsRefuseOutOfRangeValues() {
        SparkgradClassifier c = new SparkgradClassifier();
        assertThrows(IllegalArgumentException.class, () -> c.setOptimizer("rmsprop"));
        assertThrows(IllegalArgumentException.class, () -> c.setLearningRate(0));
        assertThrows(IllegalArgumentException.class, () -> c.setMomentum(1.0));
        assertThrows(IllegalArgumentException.class, () -> c.setBatchSize(0));
        assertThrows(IllegalArgumentException.class, () -> c.setWorkers(-1));
        assertEquals("adam", c.getOptimizer());
        assertEquals(1e-3, c.getLearningRate());
        assertEquals(64, c.getBatchSize());
        assertFalse(c.getDropLast(), "the last partial batch is kept, as PyTorch's DataLoader does by default");
        assertFalse(c.isSet(c.inputShape()));
    }

    @Test
    void theLrScheduleIsConstantByDefaultAndCosineAnnealsOverTheWholeFit() {
        SparkgradClassifier c = new SparkgradClassifier();
        assertEquals("constant", c.getLrSchedule());
        assertFalse(c.driverOptimizer().config().containsKey("lr_schedule"));
        assertFalse(c.driverOptimizer().forRun(100).config().containsKey("lr_schedule"));
        assertThrows(IllegalArgumentException.class, () -> c.setLrSchedule("step"));
        c.setLrSchedule("cosine").setLearningRate(0.004);
        // The trainer sizes the schedule to the fit's steps; a checkpoint records the sized one.
        assertEquals(java.util.Map.of("name", "cosine_annealing", "T_max", "run", "eta_min", 0.0),
                c.driverOptimizer().config().get("lr_schedule"));
        assertEquals(java.util.Map.of("name", "cosine_annealing", "T_max", 100, "eta_min", 0.0),
                c.driverOptimizer().forRun(100).config().get("lr_schedule"));
        // The rate falls along the cosine: after half the steps it is half the base rate (PyTorch's CosineAnnealingLR).
        io.sparkgrad.trainer.DriverOptimizer o = c.driverOptimizer().forRun(4);
        float[] p = {1f};
        float[] lrs = new float[4];
        for (int t = 0; t < 4; t++) {
            float before = p[0];
            o.step(p, new float[] {1f});
            lrs[t] = before - p[0];
        }
        assertTrue(lrs[0] > lrs[1] && lrs[1] > lrs[2] && lrs[2] > lrs[3], Arrays.toString(lrs));
        assertEquals("cosine", c.copy(new ParamMap()).getLrSchedule());
    }

    @Test
    void copiesKeepTheUidAndTakeTheExtraParams() {
        SparkgradClassifier c = new SparkgradClassifier("clf-1").setLayers("linear(10)").setEpochs(3);
        SparkgradClassifier copy = c.copy(new ParamMap().put(c.learningRate().w(0.05)));
        assertNotSame(c, copy);
        assertEquals("clf-1", copy.uid());
        assertEquals(0.05, copy.getLearningRate());
        assertEquals(3, copy.getEpochs());
        assertEquals(1e-3, c.getLearningRate(), "the original is unchanged");
        assertEquals("clf-1", copy.featuresCol().parent(), "Spark's own params belong to the uid given");
        ParamMap[] grid = new ParamGridBuilder().addGrid(c.learningRate(), new double[] {0.1, 0.01}).addGrid(c.batchSize(), new int[] {32, 64}).build();
        assertEquals(4, grid.length);
        assertTrue(Arrays.stream(c.params()).anyMatch(p -> p.name().equals("validationIndicatorCol")));
    }

    @Test
    void transformSchemaNamesTheColumnAndItsType() {
        SparkgradClassifier c = new SparkgradClassifier().setLayers("linear(10)");
        StructType out = c.transformSchema(GOOD);
        assertEquals(GOOD.size() + 3, out.size());
        assertEquals(SQLDataTypes.VectorType(), out.apply("probability").dataType());

        IllegalArgumentException f = assertThrows(IllegalArgumentException.class, () -> c.copy(ParamMap.empty()).setFeaturesCol("text").transformSchema(GOOD));
        assertTrue(f.getMessage().contains("features column 'text' has type string"), f.getMessage());
        IllegalArgumentException ints = assertThrows(IllegalArgumentException.class, () -> c.copy(ParamMap.empty()).setFeaturesCol("ints").transformSchema(GOOD));
        assertTrue(ints.getMessage().contains("'ints' has type array<int>") && ints.getMessage().contains("cast"), ints.getMessage());
        IllegalArgumentException l = assertThrows(IllegalArgumentException.class, () -> c.copy(ParamMap.empty()).setLabelCol("text").transformSchema(GOOD));
        assertTrue(l.getMessage().contains("label column 'text' has type string"), l.getMessage());
        IllegalArgumentException v = assertThrows(IllegalArgumentException.class,
                () -> c.copy(ParamMap.empty()).setValidationIndicatorCol("label").transformSchema(GOOD));
        assertTrue(v.getMessage().contains("validation indicator column 'label' has type int"), v.getMessage());
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> c.copy(ParamMap.empty()).setPredictionCol("label").transformSchema(GOOD));
        assertTrue(dup.getMessage().contains("prediction column 'label' already exists"), dup.getMessage());

        SparkgradClassificationModel m = new SparkgradClassificationModel("m", 10, new float[650], null);
        IllegalArgumentException mf = assertThrows(IllegalArgumentException.class, () -> m.setFeaturesCol("text").transformSchema(GOOD));
        assertTrue(mf.getMessage().contains("features column 'text' has type string"), mf.getMessage());
    }
}
