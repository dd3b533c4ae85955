package io.sparkgrad.nn;

import static io.sparkgrad.testing.GradCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.optim.SGD;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Packing a module's parameters and gradients into two flat arrays, re-pointing the module's own Parameters at views of them. */
class FlatParametersTest {

    private static Sequential cnn(long seed) {
        Generator g = new Generator(seed);
        return new Sequential(Conv2d.builder(1, 4, 3).stride(2).padding(1).generator(g).build(), new ReLU(),
                Conv2d.builder(4, 3, 3).stride(2).padding(1).bias(false).generator(g).build(), new BatchNorm2d(3), new ReLU(),
                new AdaptiveAvgPool2d(1), new Flatten(), new Linear(3, 2, true, g));
    }

    @Test
    void packsEveryParameterInOrderKeepingTheObjectsAndTheirValues() {
        Sequential model = cnn(1);
        List<Parameter> before = model.parameters();
        List<float[]> valuesBefore = before.stream().map(Tensor::toFloatArray).toList();
        FlatParameters flat = FlatParameters.of(model);
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "3.weight", "3.bias", "7.weight", "7.bias"), flat.names());
        assertEquals(36 + 4 + 108 + 3 + 3 + 6 + 2, flat.size());
        assertArrayEquals(new int[] {0, 36, 40, 148, 151, 154, 160, 162}, flat.offsets());
        List<Parameter> after = model.parameters();
        assertEquals(flat.parameters(), after);
        for (int i = 0; i < after.size(); i++) {
            assertSame(before.get(i), after.get(i), "packing keeps Parameter " + flat.names().get(i));
            assertTrue(after.get(i).requiresGrad() && after.get(i).isLeaf());
            assertSame(flat.data(), after.get(i).data());
            assertEquals(flat.offsets()[i], after.get(i).storageOffset());
            assertArrayEquals(valuesBefore.get(i), after.get(i).toFloatArray());
            assertArrayEquals(valuesBefore.get(i), Arrays.copyOfRange(flat.data(), flat.offsets()[i], flat.offsets()[i + 1]));
            assertArrayEquals(before.get(i).shape(), flat.shape(i));
        }
        assertSame(after.get(0), ((Conv2d) model.get(0)).weight());
    }

    /** The tutorial's stage-3 shape of module: parameters kept in fields (what registerParameter returns), read by forward. */
    static final class FieldHolding extends Module {
        final Parameter weights;
        final Parameter bias;

        FieldHolding(Generator g) {
            weights = registerParameter("weights", new Parameter(Tensor.randn(g, 6, 3).div(3f)));
            bias = registerParameter("bias", new Parameter(Tensor.randn(g, 3)));
        }

        @Override
        public Tensor forward(Tensor x) {
            return x.matmul(weights).add(bias);
        }
    }

    @Test
    void aModuleHoldingItsParametersInFieldsReadsAndTrainsTheFlatBuffers() {
        FieldHolding model = new FieldHolding(new Generator(13));
        FieldHolding reference = new FieldHolding(new Generator(13));
        Parameter weights = model.weights;
        // An optimizer built before packing holds the same objects, so it updates the flat buffer too.
        SGD sgd = new SGD(model.parameters(), 0.5, 0, 0, 0, false);
        FlatParameters flat = FlatParameters.of(model);
        assertSame(weights, model.weights);
        assertSame(flat.parameters().get(0), model.weights);
        assertSame(flat.parameters().get(1), model.bias);
        assertSame(flat.data(), model.weights.data());
        assertSame(flat.grad(), model.bias.grad().data());

        Tensor x = uniform(new Generator(14), -1, 1, 5, 6);
        Tensor target = Tensor.ofInts(new int[] {0, 2, 1, 1, 0}, 5);
        assertArrayEquals(reference.forward(x).toFloatArray(), model.forward(x).toFloatArray(), "packing preserves the values");

        // Gradients accumulate into the flat grad buffer, and equal the unpacked module's.
        F.crossEntropy(model.forward(x), target).backward();
        F.crossEntropy(reference.forward(x), target).backward();
        float[] expectedGrad = new float[flat.size()];
        System.arraycopy(reference.weights.grad().toFloatArray(), 0, expectedGrad, 0, 18);
        System.arraycopy(reference.bias.grad().toFloatArray(), 0, expectedGrad, 18, 3);
        assertArrayEquals(expectedGrad, flat.grad(), 1e-6f);
        assertTrue(anyNonZero(flat.grad()), "a non-zero flat gradient");

        // The optimizer built before packing steps the flat data, which the fields read.
        float[] expectedData = flat.data().clone();
        for (int i = 0; i < expectedData.length; i++) {
            expectedData[i] -= 0.5f * flat.grad()[i];
        }
        sgd.step();
        assertArrayEquals(expectedData, flat.data(), 1e-7f);
        assertArrayEquals(Arrays.copyOfRange(flat.data(), 0, 18), model.weights.toFloatArray());

        // A write into the flat buffer (weights broadcast by a driver) is what the next forward pass reads.
        FieldHolding other = new FieldHolding(new Generator(15));
        float[] otherValues = new float[flat.size()];
        System.arraycopy(other.weights.toFloatArray(), 0, otherValues, 0, 18);
        System.arraycopy(other.bias.toFloatArray(), 0, otherValues, 18, 3);
        flat.copyFrom(otherValues);
        assertArrayEquals(other.forward(x).toFloatArray(), model.forward(x).toFloatArray());
    }

    private static boolean anyNonZero(float[] a) {
        for (float v : a) {
            if (v != 0f) {
                return true;
            }
        }
        return false;
    }

    @Test
    void backwardAccumulatesIntoTheFlatGradBufferLikeTheUnpackedModel() {
        Sequential packed = cnn(2);
        Sequential reference = cnn(2);
        FlatParameters flat = FlatParameters.of(packed);
        Tensor x = uniform(new Generator(3), 0, 1, 4, 1, 8, 8);
        Tensor target = Tensor.ofInts(new int[] {0, 1, 1, 0}, 4);
        F.crossEntropy(packed.forward(x), target).backward();
        F.crossEntropy(reference.forward(x), target).backward();
        List<Parameter> ref = reference.parameters();
        float[] grad = flat.grad();
        for (int i = 0; i < ref.size(); i++) {
            Parameter p = flat.parameters().get(i);
            assertSame(grad, p.grad().data());
            assertEquals(flat.offsets()[i], p.grad().storageOffset());
            float[] slice = Arrays.copyOfRange(grad, flat.offsets()[i], flat.offsets()[i + 1]);
            assertArrayEquals(ref.get(i).grad().toFloatArray(), slice, 1e-6f, flat.names().get(i));
        }
        // A second backward accumulates; zeroGrad clears in place and the views survive.
        float g0 = grad[0];
        F.crossEntropy(packed.forward(x), target).backward();
        assertEquals(2 * g0, grad[0], 1e-6f);
        packed.zeroGrad();
        for (float v : grad) {
            assertEquals(0f, v);
        }
        F.crossEntropy(packed.forward(x), target).backward();
        assertEquals(g0, grad[0], 1e-6f);
        assertSame(grad, packed.parameters().get(0).grad().data());
    }

    @Test
    void anOptimizerStyleUpdateThroughTheParametersShowsInTheFlatData() {
        Sequential model = cnn(4);
        FlatParameters flat = FlatParameters.of(model);
        F.crossEntropy(model.forward(uniform(new Generator(5), 0, 1, 2, 1, 8, 8)), Tensor.ofInts(new int[] {1, 0}, 2)).backward();
        float[] expected = flat.data().clone();
        for (int i = 0; i < expected.length; i++) {
            expected[i] -= 0.1f * flat.grad()[i];
        }
        try (var ignored = Tensor.noGrad()) {
            for (Parameter p : model.parameters()) {
                p.sub_(p.grad().mul(0.1f));
            }
        }
        assertArrayEquals(expected, flat.data(), 1e-7f);
    }

    @Test
    void copyFromChangesWhatTheModelComputesAndCopyToReadsItBack() {
        Sequential model = cnn(6);
        Sequential other = cnn(7);
        FlatParameters flat = FlatParameters.of(model);
        FlatParameters otherFlat = FlatParameters.of(other);
        Tensor x = uniform(new Generator(8), 0, 1, 2, 1, 8, 8);
        model.eval();
        other.eval();
        flat.copyFrom(otherFlat.data());
        assertArrayEquals(other.forward(x).toFloatArray(), model.forward(x).toFloatArray());
        float[] out = new float[flat.size()];
        flat.copyTo(out);
        assertArrayEquals(otherFlat.data(), out);
        var e = assertThrows(IllegalArgumentException.class, () -> flat.copyFrom(new float[3]));
        assertTrue(e.getMessage().contains("expected an array of " + flat.size() + " floats") && e.getMessage().contains("got 3 floats"),
                e.getMessage());
    }

    @Test
    void existingGradientsAreCarriedIntoTheFlatBuffer() {
        Linear lin = new Linear(2, 2, true, new Generator(9));
        lin.forward(Tensor.ones(3, 2)).sum().backward();
        float[] gw = lin.weight().grad().toFloatArray();
        FlatParameters flat = FlatParameters.of(lin);
        assertArrayEquals(gw, Arrays.copyOfRange(flat.grad(), 0, 4));
        assertArrayEquals(new float[] {3f, 3f}, Arrays.copyOfRange(flat.grad(), 4, 6));
    }

    @Test
    void aSharedParameterGetsOneSliceAndBothHoldersSeeIt() {
        Linear shared = new Linear(3, 3, true, new Generator(10));
        Sequential model = new Sequential(shared, new ReLU(), shared);
        FlatParameters flat = FlatParameters.of(model);
        assertEquals(12, flat.size());
        assertSame(model.get(0), model.get(2));
        assertSame(flat.data(), ((Linear) model.get(2)).weight().data());
    }

    @Test
    void stateDictLoadsKeepTheViews() {
        Sequential model = cnn(11);
        FlatParameters flat = FlatParameters.of(model);
        model.loadStateDict(cnn(12).stateDict(), true);
        assertSame(flat.data(), model.parameters().get(0).data());
        assertArrayEquals(cnn(12).parameters().get(0).toFloatArray(), Arrays.copyOfRange(flat.data(), 0, 36));
    }
}
