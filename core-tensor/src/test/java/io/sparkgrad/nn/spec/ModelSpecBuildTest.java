package io.sparkgrad.nn.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.nn.Conv2d;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Linear;
import io.sparkgrad.nn.ReLU;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Building a spec on an input shape: inferred sizes, PyTorch's state-dict names, output shapes, and shape errors. */
class ModelSpecBuildTest {
    private static final String CNN =
            "conv2d(16, 5, stride=2, padding=2) relu conv2d(32, 3, stride=2, padding=1) relu flatten linear(128) relu linear(10)";

    @Test
    void inputSizesAreInferredAndStateDictNamesArePyTorchs() {
        Sequential model = ModelSpec.parse(CNN).build(new Generator(1), new Generator(2), 1, 28, 28);
        Map<String, List<Integer>> expected = new LinkedHashMap<>();
        expected.put("0.weight", List.of(16, 1, 5, 5));
        expected.put("0.bias", List.of(16));
        expected.put("2.weight", List.of(32, 16, 3, 3));
        expected.put("2.bias", List.of(32));
        expected.put("5.weight", List.of(128, 32 * 7 * 7));
        expected.put("5.bias", List.of(128));
        expected.put("7.weight", List.of(10, 128));
        expected.put("7.bias", List.of(10));
        assertEquals(expected, shapes(model.stateDict()));
        assertEquals(8, model.size());
    }

    @Test
    void shapesTraceEveryLayerAndTheModelGivesTheOutputShape() {
        ModelSpec spec = ModelSpec.parse(CNN);
        int[][] shapes = spec.shapes(1, 28, 28);
        assertArrayEquals(new int[] {16, 14, 14}, shapes[1]);
        assertArrayEquals(new int[] {32, 7, 7}, shapes[3]);
        assertArrayEquals(new int[] {1568}, shapes[5]);
        assertArrayEquals(new int[] {10}, spec.outputShape(1, 28, 28));
        Tensor out = spec.build(1, 28, 28).forward(Tensor.randn(new Generator(3), 4, 1, 28, 28));
        assertArrayEquals(new int[] {4, 10}, out.shape());
    }

    @Test
    void everyLayerKindBuildsAModuleWhoseOutputHasThePredictedShape() {
        ModelSpec spec = ModelSpec.parse("conv2d(8, 3, stride=2, padding=1, bias=false) batchnorm2d leakyrelu(0.2) maxpool2d(3, stride=1, "
                + "padding=1) avgpool2d(2, stride=1) gelu adaptiveavgpool2d(2) dropout(0.25) sigmoid tanh flatten linear(16) relu "
                + "softmax logsoftmax(dim=-1)");
        int[] in = {3, 9, 11};
        Sequential model = spec.build(new Generator(4), new Generator(5), in);
        assertEquals(spec.layers().size(), model.size());
        Tensor out = model.forward(Tensor.randn(new Generator(6), 2, 3, 9, 11));
        int[] predicted = spec.outputShape(in);
        assertArrayEquals(new int[] {2, predicted[0]}, out.shape());
        assertEquals(List.of("0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "11.weight",
                "11.bias"), new ArrayList<>(model.stateDict().keySet()));
        assertArrayEquals(new int[] {8, 3, 3, 3}, model.stateDict().get("0.weight").shape());
        assertArrayEquals(new int[] {16, 8 * 2 * 2}, model.stateDict().get("11.weight").shape());
        int[][] shapes = spec.shapes(in);
        assertArrayEquals(new int[] {8, 5, 6}, shapes[1]);
        assertArrayEquals(new int[] {8, 4, 5}, shapes[5]);
        assertArrayEquals(new int[] {8, 2, 2}, shapes[7]);
    }

    @Test
    void anMlpBuildsOnAFlatInput() {
        Sequential model = ModelSpec.parse("linear(128) relu linear(10)").build(new Generator(1), new Generator(1), 784);
        assertEquals(784, ((Linear) model.get(0)).inFeatures());
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), new ArrayList<>(model.stateDict().keySet()));
    }

    @Test
    void theSameSeedBuildsTheSameWeights() {
        ModelSpec spec = ModelSpec.parse(CNN);
        var a = spec.build(new Generator(9), new Generator(9), 1, 28, 28).stateDict();
        var b = spec.build(new Generator(9), new Generator(9), 1, 28, 28).stateDict();
        var c = spec.build(new Generator(10), new Generator(9), 1, 28, 28).stateDict();
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), 0f, k);
        }
        assertTrue(a.get("0.weight").toFloatArray()[0] != c.get("0.weight").toFloatArray()[0]);
    }

    @Test
    void convFollowedByReluStaysFusableAndComputesConvThenRelu() {
        Sequential model = ModelSpec.parse("conv2d(4, 3, padding=1) relu").build(new Generator(2), new Generator(2), 2, 5, 5);
        // Sequential fuses a child of exactly class Conv2d followed by one of exactly class ReLU.
        assertSame(Conv2d.class, model.get(0).getClass());
        assertSame(ReLU.class, model.get(1).getClass());
        Tensor x = Tensor.randn(new Generator(3), 3, 2, 5, 5);
        assertArrayEquals(F.relu(model.get(0).forward(x)).toFloatArray(), model.forward(x).toFloatArray(), 1e-6f);
    }

    @Test
    void linearOnAnImageMustBeFlattenedFirst() {
        var e = assertThrows(ModelSpecException.class, () -> ModelSpec.parse(
                "conv2d(16, 5, stride=2, padding=2) relu conv2d(32, 3, stride=2, padding=1) relu linear(128) relu linear(10)")
                .build(1, 28, 28));
        assertEquals("layer 5 linear(128): input shape [32, 7, 7] must be flattened first (add flatten before this layer)", e.getMessage());
    }

    @Test
    void convOnAFlatInputIsAnError() {
        var e = assertThrows(ModelSpecException.class, () -> ModelSpec.parse("conv2d(8, 3) relu").outputShape(784));
        assertEquals("layer 1 conv2d(8, 3): needs an input of shape [channels, height, width], got the flat input [784]", e.getMessage());
        var twoD = assertThrows(ModelSpecException.class, () -> ModelSpec.parse("conv2d(8, 3)").outputShape(28, 28));
        assertTrue(twoD.getMessage().endsWith("got input shape [28, 28] (give images as [1, 28, 28])"), twoD.getMessage());
        var flat = assertThrows(ModelSpecException.class, () -> ModelSpec.parse("flatten maxpool2d(2)").outputShape(1, 28, 28));
        assertTrue(flat.getMessage().startsWith("layer 2 maxpool2d(2): needs an input of shape [channels, height, width], got the flat "
                + "input [784]"), flat.getMessage());
    }

    @Test
    void aKernelLargerThanThePaddedInputIsAnError() {
        var e = assertThrows(ModelSpecException.class, () -> ModelSpec.parse("conv2d(8, 5) relu conv2d(8, 5)").outputShape(1, 6, 6));
        assertEquals("layer 3 conv2d(8, 5): kernel_size 5 is larger than the padded input 2x2 (input shape [8, 2, 2], padding 0)",
                e.getMessage());
        var pool = assertThrows(ModelSpecException.class, () -> ModelSpec.parse("maxpool2d(4, padding=1)").outputShape(1, 1, 1));
        assertEquals("layer 1 maxpool2d(4, padding=1): kernel_size 4 is larger than the padded input 3x3 (input shape [1, 1, 1], "
                + "padding 1)", pool.getMessage());
        var pad = assertThrows(ModelSpecException.class, () -> ModelSpec.parse("avgpool2d(2, padding=2)").outputShape(1, 8, 8));
        assertEquals("layer 1 avgpool2d(2, padding=2): padding 2 must be at most half of kernel_size 2", pad.getMessage());
    }

    @Test
    void otherShapeErrorsNameTheLayer() {
        var dim = assertThrows(ModelSpecException.class, () -> ModelSpec.parse("linear(10) softmax(dim=2)").outputShape(5));
        assertEquals("layer 2 softmax(dim=2): dim 2 is out of range for input shape [10] with its batch dimension (dims -2..1)",
                dim.getMessage());
        var bn = assertThrows(ModelSpecException.class, () -> ModelSpec.parse("flatten batchnorm2d").outputShape(1, 4, 4));
        assertTrue(bn.getMessage().startsWith("layer 2 batchnorm2d: needs an input of shape [channels, height, width]"), bn.getMessage());
        assertEquals("input shape [1, 0, 28] must have positive sizes",
                assertThrows(ModelSpecException.class, () -> ModelSpec.parse("flatten").outputShape(1, 0, 28)).getMessage());
        assertThrows(ModelSpecException.class, () -> ModelSpec.parse("flatten").outputShape());
    }

    private static Map<String, List<Integer>> shapes(Map<String, Tensor> state) {
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        state.forEach((k, v) -> out.put(k, java.util.Arrays.stream(v.shape()).boxed().toList()));
        return out;
    }
}
