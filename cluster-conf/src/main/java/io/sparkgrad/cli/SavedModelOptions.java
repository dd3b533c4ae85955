package io.sparkgrad.cli;

import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.Scaling;
import io.sparkgrad.job.DataSource;
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

    /** The saved model named by these options (its zoo entry and scaling from the options, the file or config). */
    SavedModel load(JobConfig config, Configuration hadoop) throws IOException {
        return SavedModel.load(modelFile, model, scaling, config, hadoop);
    }

    /** The key that named the data, for messages: {@code --data}, or {@code data.test} when it was not given. */
    String dataKey() {
        return data != null ? "--data" : "data.test";
    }

    /** The data set to run {@code saved} over. */
    DataSource open(JobSpark spark, JobConfig config, SavedModel saved) throws IOException {
        return SavedModelData.open(spark, config, data, dataKey(), saved, System.err::println);
    }
}
