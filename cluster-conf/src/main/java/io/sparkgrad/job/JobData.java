package io.sparkgrad.job;

import io.sparkgrad.conf.DataConfig;
import io.sparkgrad.conf.Split;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.mnist.PixelScaling;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;

/**
 * The job's three data sets as Spark blocks, from the {@code data} section of the configuration.
 *
 * <ul>
 *   <li>{@code split: tutorial}: the training data's last sixth is the validation set, the rest the training set
 *       (MNIST: training images 0-49,999 and 50,000-59,999, as in "What is torch.nn really?");</li>
 *   <li>{@code split: official}: all the training data trains, and the test set validates.</li>
 * </ul>
 * The test set is always {@code data.test} (MNIST's official 10,000 test images by default). With
 * {@code data.limit} each set keeps only its first {@code limit} records.
 *
 * @param train      training samples
 * @param validation validation samples, evaluated after every epoch
 * @param test       test samples, evaluated once at the end
 * @param summary    one line per set saying what it holds, for the console
 * @param trainCount how many training samples there are (the trainer takes {@code trainCount / batch} steps an epoch)
 */
public record JobData(JavaRDD<SampleBlock> train, JavaRDD<SampleBlock> validation, JavaRDD<SampleBlock> test, String summary,
                      long trainCount) {

    /** The input shape the model zoo's MNIST models take. */
    static final int[] MNIST_SHAPE = {1, 28, 28};

    /**
     * Loads the sets {@code data} describes.
     *
     * @param partitions partitions of IDX data ({@code data.partitions}, or the number of workers when that is 0)
     * @param log        receives download progress
     */
    public static JobData load(SparkSession spark, DataConfig data, int partitions, Consumer<String> log) throws IOException {
        var conf = spark.sparkContext().hadoopConfiguration();
        PixelScaling scaling = DataSource.pixelScaling(data.scaling());
        if (data.test() == null || data.test().isBlank()) {
            throw new IllegalArgumentException("data.test: the job evaluates the trained model on a test set; give its path "
                    + "(--set data.test=...), or use data.train=mnist, whose test set is MNIST's");
        }
        DataSource trainSource = DataSource.open(spark, DataLocation.resolve(data.train(), "data.train", conf),
                DataSource.Role.TRAIN, partitions, scaling, log);
        DataSource testSource = DataSource.open(spark, DataLocation.resolve(data.test(), "data.test", conf),
                DataSource.Role.TEST, partitions, scaling, log);
        requireLabelledMnist(trainSource, "data.train");
        requireLabelledMnist(testSource, "data.test");

        long n = trainSource.records();
        long limit = data.limit() > 0 ? data.limit() : Long.MAX_VALUE;
        StringBuilder summary = new StringBuilder();
        JavaRDD<SampleBlock> train;
        JavaRDD<SampleBlock> validation;
        long trainCount;
        if (data.split() == Split.TUTORIAL) {
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
        return new JobData(train, validation, test, summary.toString().stripTrailing(), trainCount);
    }

    /** Refuses unlabelled data and images the MNIST models cannot take, naming the key. */
    public static void requireLabelledMnist(DataSource source, String key) {
        if (!source.labelled()) {
            throw new IllegalArgumentException(key + ": " + source.description() + " has no label file next to it ("
                    + DataLocation.labelFileName(new org.apache.hadoop.fs.Path(source.description()).getName())
                    + "); training and evaluation need labels");
        }
        if (!Arrays.equals(source.sampleShape(), MNIST_SHAPE)) {
            throw new IllegalArgumentException(key + ": " + source.description() + " holds images of shape "
                    + Arrays.toString(source.sampleShape()) + ", but the MNIST models take " + Arrays.toString(MNIST_SHAPE));
        }
    }

    private static String line(String set, long count, String from, long first) {
        return String.format(Locale.ROOT, "  %-10s %,7d images: %s, records %,d-%,d%n", set, count, from, first, first + count - 1);
    }
}
