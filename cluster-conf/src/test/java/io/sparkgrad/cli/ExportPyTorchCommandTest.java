package io.sparkgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.io.Safetensors;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.nn.spec.NamedSpec;
import io.sparkgrad.nn.spec.PyTorchExport;
import io.sparkgrad.nn.spec.SavedModel;
import io.sparkgrad.tensor.Generator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sparkgrad export-pytorch}: the Python file for a self-describing model file, and for one without a spec. */
class ExportPyTorchCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsThePythonForASelfDescribingModelFile() throws Exception {
        ModelSpec spec = ModelSpec.parse("linear(32) relu linear(3)");
        Path file = dir.resolve("model.safetensors");
        SavedModel.save(file, spec, new int[] {8}, spec.build(new Generator(1), new Generator(1), 8));
        Run r = run("export-pytorch", file.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(PyTorchExport.toPython(spec, new int[] {8}, file.toString()), r.out());
    }

    @Test
    void aFileWithoutASpecTakesOneFromTheCommandLine() throws Exception {
        Path file = dir.resolve("plain.safetensors");
        Safetensors.save(NamedSpec.LOGISTIC.spec().build(new Generator(1), new Generator(1), 1, 28, 28).stateDict(), file);
        Run missing = run("export-pytorch", file.toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("was saved without a model spec"), missing.err());
        Run named = run("export-pytorch", file.toString(), "--model", "logistic", "--weights", "w.safetensors");
        assertEquals(0, named.status(), named.err());
        assertTrue(named.out().contains("    nn.Linear(784, 10),  # [10]\n"), named.out());
        assertTrue(named.out().contains("load_file(\"w.safetensors\")"), named.out());
        Run spec = run("export-pytorch", file.toString(), "--model", "flatten linear(10)", "--input-shape", "784");
        assertEquals(0, spec.status(), spec.err());
        Run noShape = run("export-pytorch", file.toString(), "--model", "flatten linear(10)");
        assertEquals(1, noShape.status());
        assertTrue(noShape.err().contains("needs --input-shape"), noShape.err());
    }

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SparkgradMain.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int status = cli.execute(args);
        return new Run(status, out.toString(), err.toString());
    }
}
