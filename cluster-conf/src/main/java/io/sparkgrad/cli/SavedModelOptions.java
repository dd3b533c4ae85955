package io.sparkgrad.cli;

import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.Scaling;
import io.sparkgrad.job.DataSource;
import io.sparkgrad.job.JobData;
import io.sparkgrad.job.JobSpark;
import io.sparkgrad.job.SavedModel;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
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
     * What {@code evaluate} and {@code predict} run: the saved model these options name and the data set to run it over.
     *
     * @param saved   the model, its zoo entry and scaling from the options, the file or the configuration
     * @param source  the data set, checked to fit the model's input
     * @param records how many records to use: all, or the first {@code data.limit}
     * @param hadoop  the Hadoop configuration of the job's Spark session
     */
    record Opened(SavedModel saved, DataSource source, long records, Configuration hadoop) {
    }

    /**
     * Loads the model and opens the data set, checking that the data fits the model's input (and has labels, when
     * {@code labelled}); errors name {@code --data}, or {@code data.test} when it was not given.
     */
    Opened open(JobSpark spark, JobConfig config, boolean labelled) throws IOException {
        Configuration hadoop = spark.session().sparkContext().hadoopConfiguration();
        SavedModel model = SavedModel.load(modelFile, this.model, scaling, config, hadoop);
        String dataKey = data != null ? "--data" : "data.test";
        DataSource source = SavedModelData.open(spark, config, data, dataKey, model, System.err::println);
        if (labelled) {
            JobData.requireLabelled(source, dataKey);
        }
        JobData.requireShape(source, dataKey, model.model());
        return new Opened(model, source, SavedModelData.count(source, config), hadoop);
    }
}
