package io.sparkgrad.job;

import io.sparkgrad.conf.DataConfig;
import io.sparkgrad.conf.ModelConfig;
import io.sparkgrad.conf.Split;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.trainer.data.FeatureColumn;
import io.sparkgrad.trainer.data.FrameBlocks;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.StructField;

/**
 * The job's three data sets as Spark blocks, from the {@code data} section of the configuration.
 *
 * <ul>
 *   <li>{@code split: tutorial}: the training data's last sixth is the validation set, the rest the training set
 *       (MNIST: training images 0-49,999 and 50,000-59,999, as in "What is torch.nn really?");</li>
 *   <li>{@code split: official}: all the training data trains, and the test set validates.</li>
 * </ul>
 * Data without a separate validation set ({@code data.format} parquet, csv or libsvm) can instead give
 * {@code data.validationCol} (a boolean column marking the validation rows) or {@code data.validationFraction} (that
 * fraction of the rows drawn at random, seeded by {@code training.seed}). The test set is always {@code data.test}
 * (MNIST's official 10,000 test images by default). With {@code data.limit} each set keeps only its first
 * {@code limit} records. The model is built for the data: its input shape is {@code model.inputShape}, else the
 * data's sample shape.
 *
 * @param train      training samples
 * @param validation validation samples, evaluated after every epoch
 * @param test       test samples, evaluated once at the end
 * @param summary    one line per set saying what it holds, for the console
 * @param trainCount how many training samples there are (the trainer takes {@code trainCount / batch} steps an epoch)
 * @param model      the model, on the data's sample shape
 */
public record JobData(JavaRDD<SampleBlock> train, JavaRDD<SampleBlock> validation, JavaRDD<SampleBlock> test, String summary,
                      long trainCount, JobModel model) {

    /**
     * Loads the sets {@code data} describes and fits {@code model} to them.
     *
     * @param partitions partitions of IDX data ({@code data.partitions}, or the number of workers when that is 0)
     * @param seed       the seed of a {@code data.validationFraction} split
     * @param log        receives download progress
     */
    public static JobData load(JobSpark jobSpark, DataConfig data, ModelConfig model, int partitions, long seed, Consumer<String> log)
            throws IOException {
        var conf = jobSpark.context().hadoopConfiguration();
        PixelScaling scaling = DataSource.pixelScaling(data.scaling());
        if (data.test() == null || data.test().isBlank()) {
            throw new IllegalArgumentException("data.test: the job evaluates the trained model on a test set; give its path "
                    + "(--set data.test=...), or use data.train=mnist, whose test set is MNIST's");
        }
        DataSource trainSource;
        DataSource testSource;
        DataSource validSource = null;
        JobModel fitted;
        if (data.readsFrames()) {
            for (String[] set : new String[][] {{"data.train", data.train()}, {"data.test", data.test()}}) {
                if (DataConfig.isMnist(set[1])) {
                    throw new IllegalArgumentException(set[0] + " is '" + DataConfig.MNIST + "' (the built-in MNIST), which data.format "
                            + data.format().label() + " cannot read: give " + set[0] + " a path, or use data.format auto");
                }
            }
            SparkSession spark = jobSpark.session();
            int[] shape = data.shapeArray() != null ? data.shapeArray() : model.inputShapeArray();
            FrameReader.Frame all = FrameReader.read(spark, data, data.train(), "data.train", shape);
            FrameBlocks conversion = FrameBlocks.of(all.featuresCol(), all.labelCol()).byteValues(scaling.table());
            if (shape == null) {
                try {
                    shape = conversion.resolveFeatureShape(all.frame());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("data.train: " + e.getMessage(), e);
                }
            }
            fitted = fit(model, shape, "data.train " + data.train());
            conversion = conversion.numClasses(fitted.classes());
            Dataset<Row> trainRows = all.frame();
            Dataset<Row> validRows = null;
            String validWhat = null;
            if (data.validationCol() != null) {
                String c = data.validationCol();
                StructField f = FeatureColumn.field(trainRows.schema(), c, "validation");
                if (!(f.dataType() instanceof BooleanType)) {
                    throw new IllegalArgumentException("data.validationCol: column '" + c + "' of " + data.train() + " has type "
                            + f.dataType().simpleString() + ", but it must be boolean (true marks a validation row)");
                }
                validRows = trainRows.where(functions.col(c));
                trainRows = trainRows.where(functions.not(functions.col(c)));
                validWhat = data.train() + " where " + c;
            } else if (data.validationFraction() > 0) {
                double f = data.validationFraction();
                Dataset<Row>[] parts = trainRows.randomSplit(new double[] {1 - f, f}, seed);
                trainRows = parts[0];
                validRows = parts[1];
                validWhat = data.train() + String.format(Locale.ROOT, ", a random %.3g of it", f);
            }
            trainSource = DataSource.frame(spark, trainRows, conversion, shape, data.train(), scaling);
            if (validRows != null) {
                validSource = DataSource.frame(spark, validRows, conversion, shape, validWhat, scaling);
            }
            FrameReader.Frame test = FrameReader.read(spark, data, data.test(), "data.test", shape);
            testSource = DataSource.frame(spark, test.frame(), FrameBlocks.of(test.featuresCol(), test.labelCol())
                    .byteValues(scaling.table()).numClasses(fitted.classes()), shape, data.test(), scaling);
        } else {
            trainSource = DataSource.open(jobSpark, DataLocation.resolve(data.train(), "data.train", conf),
                    DataSource.Role.TRAIN, partitions, scaling, log);
            testSource = DataSource.open(jobSpark, DataLocation.resolve(data.test(), "data.test", conf),
                    DataSource.Role.TEST, partitions, scaling, log);
            requireLabelled(trainSource, "data.train");
            requireLabelled(testSource, "data.test");
            int[] shape = model.inputShapeArray();
            if (shape != null && !Arrays.equals(shape, trainSource.sampleShape())) {
                throw new IllegalArgumentException("model.inputShape is " + Arrays.toString(shape) + ", but data.train "
                        + trainSource.description() + " holds samples of shape " + Arrays.toString(trainSource.sampleShape()));
            }
            fitted = fit(model, trainSource.sampleShape(), "data.train " + trainSource.description());
            requireShape(testSource, "data.test", fitted);
        }

        long n = trainSource.records();
        long limit = data.limit() > 0 ? data.limit() : Long.MAX_VALUE;
        StringBuilder summary = new StringBuilder();
        JavaRDD<SampleBlock> train;
        JavaRDD<SampleBlock> validation;
        long trainCount;
        if (validSource != null) {
            trainCount = Math.min(n, limit);
            train = trainSource.range(0, trainCount);
            long validCount = Math.min(validSource.records(), limit);
            if (validCount == 0) {
                throw new IllegalArgumentException((data.validationCol() != null ? "data.validationCol" : "data.validationFraction")
                        + ": no row of " + data.train() + " validates; mark some rows, or use a larger fraction");
            }
            validation = validSource.range(0, validCount);
            summary.append(line("train", trainCount, trainSource.description(), 0));
            summary.append(line("validation", validCount, validSource.description(), 0));
        } else if (data.split() == Split.TUTORIAL) {
            long valid = n / 6;
            if (valid == 0) {
                throw new IllegalArgumentException("data.train: " + trainSource.description() + " holds " + n
                        + " records, too few for the tutorial split (the last sixth validates); use data.split=official");
            }
            trainCount = Math.min(n - valid, limit);
            long validCount = Math.min(valid, limit);
            train = trainSource.range(0, trainCount);
            validation = trainSource.range(n - valid, validCount);
            summary.append(line("train", trainCount, trainSource.description(), 0));
            summary.append(line("validation", validCount, trainSource.description(), n - valid));
        } else {
            trainCount = Math.min(n, limit);
            train = trainSource.range(0, trainCount);
            long validCount = Math.min(testSource.records(), limit);
            validation = testSource.range(0, validCount);
            summary.append(line("train", trainCount, trainSource.description(), 0));
            summary.append(line("validation", validCount, testSource.description() + " (split official)", 0));
        }
        long testCount = Math.min(testSource.records(), limit);
        JavaRDD<SampleBlock> test = testSource.range(0, testCount);
        summary.append(line("test", testCount, testSource.description(), 0));
        return new JobData(train, validation, test, summary.toString().stripTrailing(), trainCount, fitted);
    }

    /** The configured model on {@code shape}, the data's sample shape; errors name the model's key and the data. */
    private static JobModel fit(ModelConfig model, int[] shape, String data) {
        try {
            return JobModel.of(model.spec(), shape, model.label(), model.key());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; the samples of " + data + " have shape " + Arrays.toString(shape), e);
        }
    }

    /** Refuses unlabelled data, naming the key. */
    public static void requireLabelled(DataSource source, String key) {
        if (!source.labelled()) {
            throw new IllegalArgumentException(key + ": " + source.description() + " has no label file next to it ("
                    + DataLocation.labelFileName(new org.apache.hadoop.fs.Path(source.description()).getName())
                    + "); training and evaluation need labels");
        }
    }

    /** Refuses samples the model cannot take, naming the key and both shapes. */
    public static void requireShape(DataSource source, String key, JobModel model) {
        if (!Arrays.equals(source.sampleShape(), model.inputShape())) {
            throw new IllegalArgumentException(key + ": " + source.description() + " holds samples of shape "
                    + Arrays.toString(source.sampleShape()) + ", but the model " + model.label() + " takes "
                    + Arrays.toString(model.inputShape()));
        }
    }

    private static String line(String set, long count, String from, long first) {
        return String.format(Locale.ROOT, "  %-10s %,7d images: %s, records %,d-%,d%n", set, count, from, first, first + count - 1);
    }
}
