package io.sparkgrad.cli;

import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.Scaling;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.job.DataSource;
import io.sparkgrad.job.JobData;
import io.sparkgrad.job.JobSpark;
import io.sparkgrad.job.SavedModel;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import picocli.CommandLine.Option;

/** The options of the commands that run a saved model over a data set ({@code evaluate}, {@code predict}). */
final class SavedModelOptions {
    @Option(names = {"-m", "--model-file"}, required = true, paramLabel = "FILE",
            description = "The model's safetensors file (any Hadoop path), as the train command writes it.")
    String modelFile;

    @Option(names = "--model", paramLabel = "NAME_OR_SPEC",
            description = "Only for a file saved without a model spec in its metadata (an old or PyTorch file): a built-in "
                    + "model (tutorial-cnn, logistic, mnist-cnn) or a spec ('flatten linear(10)'; its input shape from "
                    + "model.inputShape). Default: the spec in the file's metadata, else model.layers or model.name.")
    String model;

    @Option(names = "--scaling", paramLabel = "SCALING",
            description = "Pixel scaling of the inputs: div255, div256 or normalize. Default: the one in the file's "
                    + "metadata, else data.scaling.")
    Scaling scaling;

    @Option(names = "--data", paramLabel = "PATH",
            description = "The images: mnist (the cached test set), a folder with MNIST IDX files (its t10k files), an IDX "
                    + "image file (labelled when its label file is next to it; evaluate needs labels), Parquet or CSV; read as "
                    + "data.format says. "
                    + "Default: data.test.")
    String data;

    /**
     * The data set {@code evaluate} and {@code predict} run a saved model over.
     *
     * @param source  the data set, checked to fit the model's input
     * @param records how many records to use: all, or the first {@code data.limit}
     * @param hadoop  the Hadoop configuration of the job's Spark session
     */
    record Data(DataSource source, long records, Configuration hadoop) {
        /** The records to use, as blocks. */
        JavaRDD<SampleBlock> blocks() throws IOException {
            return source.range(0, records);
        }
    }

    /** What a command does with the model and the data while Spark runs; it returns the command's RESULT line. */
    interface Body {
        String apply(SavedModel model, Data data) throws Exception;
    }

    /**
     * Starts Spark for {@code config}, loads the model and opens the data set, checking that the data fits the model's
     * input (and has labels, when {@code labelled}), and runs {@code body} on them; prints the RESULT line {@code body}
     * returns once Spark has stopped, as the command's last line. Errors name {@code --data}, or {@code data.test} when it
     * was not given.
     */
    void run(JobConfig config, boolean labelled, Body body) throws Exception {
        String result;
        try (JobSpark spark = JobSpark.start(config)) {
            Configuration hadoop = spark.context().hadoopConfiguration();
            SavedModel saved = SavedModel.load(modelFile, model, scaling, config, hadoop);
            String dataKey = data != null ? "--data" : "data.test";
            DataSource source = SavedModelData.open(spark, config, data, dataKey, saved, System.err::println);
            if (labelled) {
                JobData.requireLabelled(source, dataKey);
            }
            JobData.requireShape(source, dataKey, saved.model());
            result = body.apply(saved, new Data(source, SavedModelData.count(source, config), hadoop));
        }
        System.out.println(result);
    }
}
