package io.sparkgrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.golden.GoldenFolder;
import io.sparkgrad.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;

/**
 * One optimizer trajectory case of the PyTorch golden vectors (op {@code sgd_trajectory} or {@code adam_trajectory}
 * in the {@link GoldenFolder}; see its README): the problem (X, Y, initial weight and bias), the optimizer settings,
 * and the expected loss, gradients and parameters at every step.
 */
record GoldenTrajectory(String name, String op, JsonNode params, JsonNode inputs, JsonNode outputs, double rel, double abs) {

    /** The trajectory ops of the golden format. */
    static final String SGD_OP = "sgd_trajectory";
    static final String ADAM_OP = "adam_trajectory";

    /** The golden folder's trajectory cases (op {@code sgd_trajectory} or {@code adam_trajectory}), sorted by name. */
    static List<Path> files() {
        return GoldenFolder.locate().casesOf(SGD_OP, ADAM_OP);
    }

    static GoldenTrajectory read(Path file) {
        JsonNode root = GoldenFolder.readJson(file);
        JsonNode tol = root.path("tolerance");
        return new GoldenTrajectory(root.get("name").asText(), root.get("op").asText(), root.get("params"), root.get("inputs"),
                root.get("outputs"), tol.path("rel").asDouble(1e-4), tol.path("abs").asDouble(1e-5));
    }

    int steps() {
        return params.get("steps").asInt();
    }

    Tensor input(String name) {
        return tensor(inputs, name);
    }

    Tensor output(String name) {
        return tensor(outputs, name);
    }

    /** Row {@code s} (step s) of a stacked output, as a tensor of the remaining shape. */
    Tensor outputAtStep(String name, int s) {
        Tensor all = output(name);
        return Tensor.of(all.narrow(0, s, 1).squeeze(0).toFloatArray(), tailShape(all.shape()));
    }

    private static int[] tailShape(int[] shape) {
        int[] tail = new int[shape.length - 1];
        System.arraycopy(shape, 1, tail, 0, tail.length);
        return tail;
    }

    private Tensor tensor(JsonNode group, String key) {
        JsonNode t = group.get(key);
        if (t == null) {
            return fail("golden case " + name + " has no tensor '" + key + "'");
        }
        assertEquals("float32", t.get("dtype").asText(), name + "." + key);
        JsonNode shapeNode = t.get("shape");
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asInt();
        }
        JsonNode data = t.get("data");
        float[] values = new float[data.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) data.get(i).asDouble();
        }
        return Tensor.of(values, shape);
    }

    /** Asserts {@code |actual - expected| <= abs + rel * |expected|} elementwise, with the case's tolerance. */
    void assertClose(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), name + ": shape of " + what);
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            double allowed = abs + rel * Math.abs(e[i]);
            if (!(Math.abs(a[i] - e[i]) <= allowed)) {
                fail(name + ": " + what + "[" + i + "] = " + a[i] + ", expected " + e[i] + " (allowed difference " + allowed + ")");
            }
        }
    }
}
