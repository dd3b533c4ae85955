package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.golden.GoldenFolder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the kernels on PyTorch's golden cases for the ops they implement (conv2d, max/avg/adaptive-avg pooling,
 * batch norm 2d) and compares outputs and gradients at each case's tolerance. The cases are those of the
 * {@link GoldenFolder} with one of these ops, however many the folder holds. The module's all-cases golden test lives
 * with the tensor layer; this one checks the kernels alone, beneath autograd.
 */
class PyTorchParityKernelTest {

    private static final String[] KERNEL_OPS = {"conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm2d"};
    private static final AtomicInteger RAN = new AtomicInteger();

    static List<Path> kernelCases() {
        return GoldenFolder.locate().casesOf(KERNEL_OPS);
    }

    @TestFactory
    Stream<DynamicTest> kernelsMatchPyTorch() {
        return kernelCases().stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            run(p);
            RAN.incrementAndGet();
        }));
    }

    /** Every kernel case of the folder ran and passed, counted against the folder read. */
    @AfterAll
    static void everyKernelCaseOfTheFolderRan() {
        assertEquals(kernelCases().size(), RAN.get(), "kernel cases passed out of those in " + GoldenFolder.locate().dir());
    }

    private static void run(Path file) {
        Case c = new Case(GoldenFolder.readJson(file), file.getFileName().toString());
        switch (c.op) {
            case "conv2d" -> conv(c);
            case "max_pool2d" -> maxPool(c);
            case "avg_pool2d" -> avgPool(c);
            case "adaptive_avg_pool2d" -> adaptive(c);
            case "batch_norm2d" -> batchNorm(c);
            default -> fail(file + ": op " + c.op + " is not a kernel op");
        }
    }

    private static void conv(Case c) {
        int[] xs = c.shape("inputs", "input");
        int[] ws = c.shape("inputs", "weight");
        int[] st = c.ints("stride");
        int[] pd = c.ints("padding");
        int[] dl = c.ints("dilation");
        int groups = c.params.get("groups").asInt();
        Conv2dGeometry g = new Conv2dGeometry(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], st[0], st[1], pd[0],
                pd[1], dl[0], dl[1], groups);
        float[] x = c.data("inputs", "input");
        float[] w = c.data("inputs", "weight");
        boolean hasBias = c.params.get("bias").asBoolean();
        float[] b = hasBias ? c.data("inputs", "bias") : null;
        float[] y = new float[g.outputSize()];
        Conv2dKernel.forward(g, x, 0, w, 0, b, 0, y, 0);
        c.compare("outputs", "output", y);
        float[] gx = new float[g.inputSize()];
        float[] gw = new float[g.weightSize()];
        float[] gb = hasBias ? new float[g.o()] : null;
        Conv2dKernel.backward(g, x, 0, w, 0, c.data("inputs", "upstream"), 0, gx, 0, gw, 0, gb, 0, false);
        c.compare("grads", "input", gx);
        c.compare("grads", "weight", gw);
        if (hasBias) {
            c.compare("grads", "bias", gb);
        }
    }

    /** The pooling geometry of a case's input {@code x} and parameters (ceil_mode off; dilation 1 where it has none). */
    private static Pool2dGeometry poolGeometry(Case c) {
        int[] xs = c.shape("inputs", "x");
        int[] k = c.ints("kernel_size");
        int[] st = c.ints("stride");
        int[] pd = c.ints("padding");
        int[] dl = c.params.has("dilation") ? c.ints("dilation") : new int[] {1, 1};
        assertEquals(false, c.params.get("ceil_mode").asBoolean(), c.name + ": ceil_mode");
        return new Pool2dGeometry(xs[0], xs[1], xs[2], xs[3], k[0], k[1], st[0], st[1], pd[0], pd[1], dl[0], dl[1]);
    }

    private static void maxPool(Case c) {
        Pool2dGeometry g = poolGeometry(c);
        float[] y = new float[g.outputSize()];
        int[] idx = new int[g.outputSize()];
        MaxPool2dKernel.forward(g, c.data("inputs", "x"), 0, y, 0, idx, 0);
        c.compare("outputs", "output", y);
        float[] gx = new float[g.inputSize()];
        MaxPool2dKernel.backward(g, c.data("inputs", "upstream"), 0, idx, 0, gx, 0, false);
        c.compare("grads", "x", gx);
    }

    private static void avgPool(Case c) {
        assertEquals(true, c.params.path("count_include_pad").asBoolean(true), c.name + ": count_include_pad");
        Pool2dGeometry g = poolGeometry(c);
        float[] y = new float[g.outputSize()];
        AvgPool2dKernel.forward(g, c.data("inputs", "x"), 0, y, 0);
        c.compare("outputs", "output", y);
        float[] gx = new float[g.inputSize()];
        AvgPool2dKernel.backward(g, c.data("inputs", "upstream"), 0, gx, 0, false);
        c.compare("grads", "x", gx);
    }

    private static void adaptive(Case c) {
        int[] xs = c.shape("inputs", "x");
        int[] os = c.ints("output_size");
        float[] y = new float[xs[0] * xs[1] * os[0] * os[1]];
        AdaptiveAvgPool2dKernel.forward(xs[0], xs[1], xs[2], xs[3], os[0], os[1], c.data("inputs", "x"), 0, y, 0);
        c.compare("outputs", "output", y);
        float[] gx = new float[xs[0] * xs[1] * xs[2] * xs[3]];
        AdaptiveAvgPool2dKernel.backward(xs[0], xs[1], xs[2], xs[3], os[0], os[1], c.data("inputs", "upstream"), 0, gx,
                0, false);
        c.compare("grads", "x", gx);
    }

    private static void batchNorm(Case c) {
        int[] xs = c.shape("inputs", "input");
        int n = xs[0];
        int ch = xs[1];
        int hw = xs[2] * xs[3];
        float[] x = c.data("inputs", "input");
        float[] w = c.data("inputs", "weight");
        float[] b = c.data("inputs", "bias");
        float[] rm = c.data("inputs", "running_mean");
        float[] rv = c.data("inputs", "running_var");
        float[] up = c.data("inputs", "upstream");
        float momentum = (float) c.params.get("momentum").asDouble();
        float eps = (float) c.params.get("eps").asDouble();
        boolean training = c.params.get("training").asBoolean();
        double[] mean = new double[ch];
        double[] var = new double[ch];
        if (training) {
            BatchNorm2dKernel.stats(n, ch, hw, x, 0, mean, var);
            BatchNorm2dKernel.updateRunning(ch, rm, 0, rv, 0, mean, var, momentum, (long) n * hw);
        } else {
            for (int k = 0; k < ch; k++) {
                mean[k] = rm[k];
                var[k] = rv[k];
            }
        }
        double[] invStd = new double[ch];
        BatchNorm2dKernel.invStd(ch, var, eps, invStd);
        float[] y = new float[x.length];
        BatchNorm2dKernel.normalize(n, ch, hw, x, 0, mean, invStd, w, 0, b, 0, y, 0);
        double[] sumG = new double[ch];
        double[] sumGXhat = new double[ch];
        BatchNorm2dKernel.gradSums(n, ch, hw, up, 0, x, 0, mean, invStd, sumG, sumGXhat);
        float[] gx = new float[x.length];
        BatchNorm2dKernel.backwardInput(n, ch, hw, training, up, 0, x, 0, mean, invStd, w, 0, sumG, sumGXhat, gx, 0);
        float[] gw = Reference.toFloat(sumGXhat);
        float[] gb = Reference.toFloat(sumG);
        c.compare("outputs", "output", y);
        c.compare("outputs", "running_mean", rm);
        c.compare("outputs", "running_var", rv);
        c.compare("grads", "input", gx);
        c.compare("grads", "weight", gw);
        c.compare("grads", "bias", gb);
    }

    /** One parsed golden file. */
    private static final class Case {
        final JsonNode root;
        final String name;
        final String op;
        final JsonNode params;
        final double rel;
        final double abs;

        Case(JsonNode root, String name) {
            this.root = root;
            this.name = name;
            this.op = root.get("op").asText();
            this.params = root.get("params");
            JsonNode tol = root.path("tolerance");
            this.rel = tol.path("rel").asDouble(1e-4);
            this.abs = tol.path("abs").asDouble(1e-5);
        }

        JsonNode tensor(String section, String key) {
            JsonNode t = root.path(section).get(key);
            if (t == null) {
                fail(name + ": missing " + section + "." + key);
            }
            return t;
        }

        int[] shape(String section, String key) {
            JsonNode s = tensor(section, key).get("shape");
            int[] r = new int[s.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = s.get(i).asInt();
            }
            return r;
        }

        float[] data(String section, String key) {
            JsonNode d = tensor(section, key).get("data");
            float[] r = new float[d.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = (float) d.get(i).asDouble();
            }
            return r;
        }

        int[] ints(String param) {
            JsonNode p = params.get(param);
            if (p == null) {
                fail(name + ": missing params." + param);
            }
            if (p.isInt()) {
                return new int[] {p.asInt(), p.asInt()};
            }
            return new int[] {p.get(0).asInt(), p.get(1).asInt()};
        }

        void compare(String section, String key, float[] actual) {
            float[] expected = data(section, key);
            Reference.assertClose(name + " " + section + "." + key, expected, actual, rel, abs);
        }
    }
}
