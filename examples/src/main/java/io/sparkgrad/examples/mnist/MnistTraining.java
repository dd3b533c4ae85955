package io.sparkgrad.examples.mnist;

import io.sparkgrad.conf.JobConfigLoader;
import io.sparkgrad.conf.LoadedConfig;
import io.sparkgrad.job.JobResult;
import io.sparkgrad.job.MnistJob;
import java.io.IOException;

/**
 * The MNIST training of {@code bin/train-mnist}, run through the library rather than the command line: a job
 * configuration from the defaults (the {@code mnist-cnn} model on MNIST, downloaded on first use) with the model written
 * out as a spec, a few overrides, then the job, which trains on embedded Spark, evaluates on the test set and writes the
 * run folder.
 *
 * <pre>
 * source bin/lib/java-run.sh &amp;&amp; sparkgrad_run io.sparkgrad.examples.mnist.MnistTraining [KEY=VALUE ...]
 * </pre>
 *
 * Arguments are further {@code --set} overrides, e.g. {@code training.epochs=1}.
 */
public final class MnistTraining {
    private MnistTraining() {
    }

    public static void main(String[] args) throws IOException {
        JobConfigLoader loader = new JobConfigLoader()
                .set("spark.master=local[*]")
                // The default model (model.name: mnist-cnn), spelled out as a spec: the same layers and initial weights.
                .set("model.layers=conv2d(16, 5, stride=2, padding=2) relu conv2d(32, 3, stride=2, padding=1) relu "
                        + "flatten linear(128) relu linear(10)");
        for (String a : args) {
            loader.set(a);
        }
        LoadedConfig config = loader.load();
        JobResult result = MnistJob.run(config, false, System.out);
        System.out.printf("test accuracy %.4f after %d epochs; the run is in %s%n", result.testAccuracy(), result.epochs(),
                result.output());
    }
}
