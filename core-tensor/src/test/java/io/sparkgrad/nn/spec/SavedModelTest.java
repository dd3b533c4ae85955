package io.sparkgrad.nn.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.io.Safetensors;
import io.sparkgrad.io.SafetensorsFile;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model files that carry their spec and input shape: written, read back with no other information, and the errors. */
class SavedModelTest {
    private static final ModelSpec CNN = NamedSpec.MNIST_CNN.spec();
    private static final int[] MNIST = {1, 28, 28};

    @TempDir
    Path dir;

    @Test
    void aSavedModelLoadsWithItsSpecInputShapeAndWeights() throws Exception {
        Sequential model = CNN.build(new Generator(5), new Generator(5), MNIST);
        Path file = dir.resolve("model.safetensors");
        SavedModel.save(file, CNN, MNIST, model);

        SafetensorsFile raw = Safetensors.read(file);
        assertEquals(CNN.toString(), raw.metadata().get("sparkgrad.spec"));
        assertEquals("[1, 28, 28]", raw.metadata().get("sparkgrad.input_shape"));
        assertEquals("1", raw.metadata().get("sparkgrad.format_version"));
        assertEquals("pt", raw.metadata().get("format"));

        SavedModel loaded = SavedModel.load(file);
        assertEquals(CNN, loaded.spec());
        assertArrayEquals(MNIST, loaded.inputShape());
        Tensor x = Tensor.randn(new Generator(7), 3, 1, 28, 28);
        assertArrayEquals(model.eval().forward(x).toFloatArray(), loaded.module().eval().forward(x).toFloatArray(), 0f);
    }

    @Test
    void batchNormBuffersTravelToo() throws Exception {
        ModelSpec spec = ModelSpec.parse("conv2d(4, 3) batchnorm2d relu flatten linear(3)");
        Sequential model = spec.build(new Generator(1), new Generator(1), 2, 5, 5);
        model.forward(Tensor.randn(new Generator(2), 4, 2, 5, 5));          // moves the running statistics
        Path file = dir.resolve("bn.safetensors");
        SavedModel.save(file, spec, new int[] {2, 5, 5}, model);
        SavedModel loaded = SavedModel.load(file);
        assertArrayEquals(model.getBuffer("1.running_mean").toFloatArray(), loaded.module().getBuffer("1.running_mean").toFloatArray(), 0f);
        assertEquals(1L, (long) loaded.module().getBuffer("1.num_batches_tracked").item());
    }

    @Test
    void aFileWithoutASpecNeedsOneFromTheCaller() throws Exception {
        Sequential model = ModelSpec.parse("linear(10)").build(new Generator(1), new Generator(1), 64);
        Path file = dir.resolve("plain.safetensors");
        Safetensors.save(model.stateDict(), file);
        var e = assertThrows(IllegalArgumentException.class, () -> SavedModel.load(file));
        assertEquals(file + " was saved without a model spec (its metadata has no sparkgrad.spec); pass --model with a spec or one of "
                + "logistic, tutorial-cnn, mnist-cnn, and --input-shape", e.getMessage());
        SavedModel given = SavedModel.load(file, ModelSpec.parse("linear(10)"), new int[] {64});
        assertArrayEquals(model.getParameter("0.weight").toFloatArray(), given.module().getParameter("0.weight").toFloatArray(), 0f);
    }

    @Test
    void aFileNamingABuiltInModelLoadsAsThatModel() throws Exception {
        Sequential model = NamedSpec.TUTORIAL_CNN.spec().build(new Generator(3), new Generator(3), MNIST);
        Path file = dir.resolve("old.safetensors");
        Safetensors.save(model.stateDict(), Map.of("format", "pt", "sparkgrad.model", "tutorial-cnn"), file);
        SavedModel loaded = SavedModel.load(file);
        assertEquals(NamedSpec.TUTORIAL_CNN.spec(), loaded.spec());
        assertArrayEquals(MNIST, loaded.inputShape());
    }

    @Test
    void tensorsThatDoNotFitTheSpecAreAnErrorNamingTheFile() throws Exception {
        Sequential other = ModelSpec.parse("linear(10)").build(new Generator(1), new Generator(1), 784);
        Path file = dir.resolve("mismatch.safetensors");
        Safetensors.save(other.stateDict(), SavedModel.metadata(ModelSpec.parse("flatten linear(10)"), MNIST), file);
        var e = assertThrows(IllegalArgumentException.class, () -> SavedModel.load(file));
        assertTrue(e.getMessage().startsWith("the tensors of " + file + " do not fit the model 'flatten linear(10)' on input shape "
                + "[1, 28, 28]: Error(s) in loading state_dict"), e.getMessage());
        assertTrue(e.getMessage().contains("Missing key(s) in state_dict: \"1.weight\", \"1.bias\""), e.getMessage());
    }

    @Test
    void savingAModuleThatIsNotTheSpecsModelIsRefused() {
        Sequential model = ModelSpec.parse("linear(20) relu linear(10)").build(new Generator(1), new Generator(1), 784);
        var e = assertThrows(IllegalArgumentException.class,
                () -> SavedModel.save(dir.resolve("x.safetensors"), ModelSpec.parse("linear(10)"), new int[] {784}, model));
        assertEquals("the module is not the model of the spec 'linear(10)' on input shape [784]:\n\t0.weight is [20, 784], the spec makes "
                + "it [10, 784]\n\t0.bias is [20], the spec makes it [10]\n\tunexpected 2.weight\n\tunexpected 2.bias", e.getMessage());
    }

    @Test
    void badMetadataIsNamed() throws Exception {
        Sequential model = ModelSpec.parse("linear(10)").build(new Generator(1), new Generator(1), 8);
        Path file = dir.resolve("bad.safetensors");
        Safetensors.save(model.stateDict(), Map.of("sparkgrad.spec", "lnear(10)", "sparkgrad.input_shape", "[8]"), file);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SavedModel.load(file)).getMessage()
                .startsWith("the model spec in the metadata of " + file + " is invalid: layer 1 lnear(10)"));
        Safetensors.save(model.stateDict(), Map.of("sparkgrad.spec", "linear(10)", "sparkgrad.input_shape", "8"), file);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SavedModel.load(file)).getMessage()
                .contains("sparkgrad.input_shape must be a list of sizes like [1, 28, 28], got '8'"));
        Safetensors.save(model.stateDict(), Map.of("sparkgrad.spec", "linear(10)", "sparkgrad.input_shape", "[8]",
                "sparkgrad.format_version", "2"), file);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SavedModel.load(file)).getMessage()
                .contains("has sparkgrad.format_version 2, this Sparkgrad reads version 1"));
    }
}
