package io.sparkgrad.cli;

import io.sparkgrad.io.Safetensors;
import io.sparkgrad.io.SafetensorsFile;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.nn.spec.NamedSpec;
import io.sparkgrad.nn.spec.PyTorchExport;
import io.sparkgrad.nn.spec.SavedModel;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sparkgrad export-pytorch MODEL}: prints a Python file that defines the model's {@code nn.Sequential} and loads
 * the file's weights strictly. The model comes from the file's own metadata (its spec and input shape).
 */
@Command(name = "export-pytorch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print a runnable Python file that defines the saved model as a torch.nn.Sequential (every input size "
                + "written out) and loads its weights with load_state_dict(load_file(...), strict=True)."},
        footer = {"", "Examples:",
            "  sparkgrad export-pytorch runs/mnist-20261127-143005/model.safetensors > model.py",
            "  sparkgrad export-pytorch model.safetensors --model 'flatten linear(10)' --input-shape 1,28,28"})
final class ExportPyTorchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "The model's safetensors file (any Hadoop path).")
    String modelFile;

    @Option(names = "--model", paramLabel = "SPEC",
            description = "The model spec or built-in model name, for a file saved without one in its metadata.")
    String model;

    @Option(names = "--input-shape", paramLabel = "SHAPE", split = ",",
            description = "One sample's shape without the batch dimension (e.g. 1,28,28), with --model. Default for a built-in "
                    + "model: its own.")
    int[] inputShape;

    @Option(names = "--weights", paramLabel = "PATH",
            description = "The weights file name the Python code loads. Default: MODEL as given.")
    String weights;

    @Override
    public Integer call() throws Exception {
        ModelSpec fallback = model == null ? null : NamedSpec.resolve(model);
        int[] shape = inputShape;
        if (model != null && shape == null) {
            shape = NamedSpec.find(model).map(NamedSpec::inputShapeArray).orElseThrow(() -> new IllegalArgumentException(
                    "--model '" + model + "' needs --input-shape (e.g. --input-shape 1,28,28)"));
        }
        if (model == null && shape != null) {
            throw new IllegalArgumentException("--input-shape " + Arrays.toString(shape) + " needs --model");
        }
        Path path = new Path(modelFile);
        SafetensorsFile file;
        try (InputStream in = path.getFileSystem(new Configuration()).open(path)) {
            file = Safetensors.read(in);
        } catch (java.io.FileNotFoundException e) {
            throw new java.io.FileNotFoundException("model file " + modelFile + " does not exist");
        }
        SavedModel saved = SavedModel.from(file, modelFile, fallback, shape);
        PrintWriter out = spec.commandLine().getOut();
        out.print(PyTorchExport.toPython(saved.spec(), saved.inputShape(), weights != null ? weights : modelFile));
        out.flush();
        return 0;
    }
}
