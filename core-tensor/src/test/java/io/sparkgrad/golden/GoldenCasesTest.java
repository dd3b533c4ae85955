package io.sparkgrad.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.nn.Conv2d;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Parameter;
import io.sparkgrad.nn.Reduction;
import io.sparkgrad.tensor.DType;
import io.sparkgrad.tensor.Device;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PyTorch parity: runs every JSON case of the golden folder (see {@link GoldenFolder}) and checks every output and
 * every gradient at the case's tolerance. A case with an unknown op, an unsupported parameter, an input it does not
 * use, or an output or gradient it cannot produce fails; after all cases, the number checked must equal the number of
 * files, so nothing is skipped. {@link #check(GoldenCase, Device)} runs a case with its inputs on another device (the
 * CUDA twins, {@code GoldenCasesOnCudaContract}), comparing on the host.
 */
class GoldenCasesTest {
    private static final GoldenFolder FOLDER = GoldenFolder.locate();
    private static final List<Path> FILES = FOLDER.caseFiles();
    private static final AtomicInteger CHECKED = new AtomicInteger();

    static Stream<String> caseFiles() {
        return FILES.stream().map(p -> p.getFileName().toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseFiles")
    void matchesPyTorch(String file) {
        check(GoldenCase.read(FOLDER.resolve(file)));
        CHECKED.incrementAndGet();
    }

    @AfterAll
    static void everyCaseFileWasChecked() {
        assertTrue(FILES.size() > 0, "no *.json golden cases in " + FOLDER.dir());
        assertEquals(FILES.size(), CHECKED.get(), "golden cases checked and passed out of the " + FILES.size() + " files in " + FOLDER.dir());
        System.out.println("GoldenCasesTest: checked all " + FOLDER);
    }

    /**
     * Runs one case and checks every output and gradient at its tolerance; fails on an unknown op or parameter, an
     * input the op does not use, or an output or gradient it cannot produce.
     */
    static void check(GoldenCase c) {
        check(c, Device.CPU);
    }

    /**
     * {@link #check(GoldenCase)} with every input, the op, its gradients and any model or optimizer on {@code device};
     * what it produced is compared after {@code cpu()}.
     */
    static void check(GoldenCase c, Device device) {
        Inputs in = new Inputs(c, device);
        Result r = run(c, in);
        assertTrue(in.unused().isEmpty(), c.file() + ": op " + c.op() + " ignored inputs " + in.unused());
        assertEquals(new TreeSet<>(c.outputs().keySet()), new TreeSet<>(r.outputs().keySet()), c.file() + ": outputs produced");
        assertEquals(new TreeSet<>(c.grads().keySet()), new TreeSet<>(r.grads().keySet()), c.file() + ": gradients produced");
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : c.outputs().entrySet()) {
            compare(c, "outputs." + e.getKey(), e.getValue(), r.outputs().get(e.getKey()), failures);
        }
        for (Map.Entry<String, Tensor> e : c.grads().entrySet()) {
            compare(c, "grads." + e.getKey(), e.getValue(), r.grads().get(e.getKey()), failures);
        }
        if (!failures.isEmpty()) {
            fail(c.file() + " [" + c.name() + "] (op " + c.op() + ", tolerance abs " + c.abs() + " + rel " + c.rel() + "):\n  " + String.join("\n  ", failures));
        }
    }

    // ------------------------------------------------------------------------------------------------ seam: optimizers

    /** One optimizer as the golden cases drive it: {@code step()} after each backward pass. */
    interface OptimizerStep {
        void step();
    }

    /** The SGD under test for {@code sgd_trajectory} and {@code cnn_train_step}: the library's own. */
    static OptimizerStep sgd(List<Parameter> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        return new io.sparkgrad.optim.SGD(params, lr, momentum, dampening, weightDecay, nesterov)::step;
    }

    /** The Adam under test for {@code adam_trajectory} (L2 weight decay added to the gradient, not AdamW). */
    static OptimizerStep adam(List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new io.sparkgrad.optim.Adam(params, lr, beta1, beta2, eps, weightDecay)::step;
    }

    // ------------------------------------------------------------------------------------------------ dispatch

    /** What a case run produced: outputs and gradients by the case's names. */
    private record Result(Map<String, Tensor> outputs, Map<String, Tensor> grads) {
    }

    private static Result run(GoldenCase c, Inputs in) {
        JsonNode p = c.params();
        return switch (c.op()) {
            case "matmul" -> differentiate(c, in, () -> in.get("a").matmul(in.get("b")));
            case "add" -> differentiate(c, in, () -> in.get("x").add(in.get("b")));
            case "exp" -> differentiate(c, in, () -> in.get("x").exp());
            case "log" -> differentiate(c, in, () -> in.get("x").log());
            case "relu" -> differentiate(c, in, () -> F.relu(in.get("x")));
            case "tanh" -> differentiate(c, in, () -> F.tanh(in.get("x")));
            case "sigmoid" -> differentiate(c, in, () -> F.sigmoid(in.get("x")));
            case "sum" -> differentiate(c, in, () -> p.has("dim") ? in.get("x").sum(intParam(c, "dim"), boolParam(c, "keepdim", false))
                    : in.get("x").sum());
            case "mean" -> differentiate(c, in, () -> p.has("dim") ? in.get("x").mean(intParam(c, "dim"), boolParam(c, "keepdim", false))
                    : in.get("x").mean());
            case "log_softmax" -> differentiate(c, in, () -> F.logSoftmax(in.get("x"), intParam(c, "dim")));
            case "nll_loss" -> differentiate(c, in, () -> F.nllLoss(in.get("input"), in.get("target"), reduction(c)));
            case "cross_entropy" -> differentiate(c, in, () -> F.crossEntropy(in.get("input"), in.get("target"), reduction(c)));
            case "mse_loss" -> differentiate(c, in, () -> F.mseLoss(in.get("input"), in.get("target"), reduction(c)));
            case "linear" -> differentiate(c, in, () -> F.linear(in.get("x"), in.get("weight"), optionalBias(c, in)));
            case "conv2d" -> differentiate(c, in, () -> F.conv2d(in.get("input"), in.get("weight"), optionalBias(c, in),
                    pairParam(c, "stride", new int[] {1, 1}), pairParam(c, "padding", new int[] {0, 0}),
                    pairParam(c, "dilation", new int[] {1, 1}), p.has("groups") ? intParam(c, "groups") : 1));
            case "max_pool2d" -> {
                requireFlag(c, "ceil_mode", false);
                int[] kernel = pairParam(c, "kernel_size", null);
                yield differentiate(c, in, () -> F.maxPool2d(in.get("x"), kernel, pairParam(c, "stride", kernel),
                        pairParam(c, "padding", new int[] {0, 0}), pairParam(c, "dilation", new int[] {1, 1})));
            }
            case "avg_pool2d" -> {
                requireFlag(c, "ceil_mode", false);
                requireFlag(c, "count_include_pad", true);
                int[] kernel = pairParam(c, "kernel_size", null);
                yield differentiate(c, in, () -> F.avgPool2d(in.get("x"), kernel, pairParam(c, "stride", kernel),
                        pairParam(c, "padding", new int[] {0, 0})));
            }
            case "adaptive_avg_pool2d" -> {
                int[] size = pairParam(c, "output_size", null);
                yield differentiate(c, in, () -> F.adaptiveAvgPool2d(in.get("x"), size[0], size[1]));
            }
            case "view" -> differentiate(c, in, () -> in.get("x").view(intsParam(c, "shape")));
            case "flatten" -> differentiate(c, in, () -> F.flatten(in.get("x"), p.has("start_dim") ? intParam(c, "start_dim") : 0,
                    p.has("end_dim") ? intParam(c, "end_dim") : -1));
            case "dropout" -> {
                // Only evaluation mode can match PyTorch: a training-mode mask depends on PyTorch's random stream.
                requireFlag(c, "training", false);
                yield differentiate(c, in, () -> F.dropout(in.get("x"), (float) doubleParam(c, "p"), false, new Generator(0)));
            }
            case "batch_norm2d" -> batchNorm2d(c, in);
            case "sgd_trajectory" -> trajectory(c, in, params -> sgd(params, doubleParam(c, "lr"), doubleOr(c, "momentum", 0),
                    doubleOr(c, "dampening", 0), doubleOr(c, "weight_decay", 0), boolParam(c, "nesterov", false)));
            case "adam_trajectory" -> {
                requireFlag(c, "amsgrad", false);
                double[] betas = p.has("betas") ? new double[] {p.get("betas").get(0).asDouble(), p.get("betas").get(1).asDouble()}
                        : new double[] {0.9, 0.999};
                yield trajectory(c, in, params -> adam(params, doubleParam(c, "lr"), betas[0], betas[1], doubleOr(c, "eps", 1e-8),
                        doubleOr(c, "weight_decay", 0)));
            }
            case "cnn_train_step" -> cnnTrainStep(c, in);
            default -> throw new AssertionError(c.file() + ": unknown op '" + c.op() + "'");
        };
    }

    /**
     * Runs a one-output op with the inputs named in {@code grads} requiring grad, back-propagates {@code upstream}, and
     * reads each of those inputs' gradient.
     */
    private static Result differentiate(GoldenCase c, Inputs in, Supplier<Tensor> forward) {
        for (String name : c.grads().keySet()) {
            in.get(name).requiresGrad(true);
        }
        Tensor out = forward.get();
        Map<String, Tensor> grads = new LinkedHashMap<>();
        if (!c.grads().isEmpty()) {
            out.backward(in.get("upstream"));
            for (String name : c.grads().keySet()) {
                grads.put(name, in.get(name).grad());
            }
        }
        return new Result(Map.of("output", out), grads);
    }

    /** {@code batch_norm2d}: the output is differentiated; the running statistics after the call are outputs too. */
    private static Result batchNorm2d(GoldenCase c, Inputs in) {
        Tensor runningMean = in.get("running_mean");
        Tensor runningVar = in.get("running_var");
        Result r = differentiate(c, in, () -> F.batchNorm(in.get("input"), runningMean, runningVar, in.get("weight"), in.get("bias"),
                boolParam(c, "training", false), (float) doubleOr(c, "momentum", 0.1), (float) doubleOr(c, "eps", 1e-5)));
        Map<String, Tensor> outputs = new LinkedHashMap<>(r.outputs());
        outputs.put("running_mean", runningMean);
        outputs.put("running_var", runningVar);
        return new Result(outputs, r.grads());
    }

    /**
     * The optimizer trajectories: a linear model fitted to fixed data; per step zero the gradients,
     * {@code loss = mse_loss(X @ W^T + b, Y)}, backward, record loss and gradients, step, record the parameters.
     */
    private static Result trajectory(GoldenCase c, Inputs in, Function<List<Parameter>, OptimizerStep> optimizer) {
        Tensor x = in.get("X");
        Tensor y = in.get("Y");
        Parameter weight = new Parameter(in.get("weight"));
        Parameter bias = new Parameter(in.get("bias"));
        int steps = intParam(c, "steps");
        OptimizerStep opt = optimizer.apply(List.of(weight, bias));
        int wn = weight.numel();
        int bn = bias.numel();
        float[] loss = new float[steps];
        float[] gradW = new float[steps * wn];
        float[] gradB = new float[steps * bn];
        float[] w = new float[steps * wn];
        float[] b = new float[steps * bn];
        for (int s = 0; s < steps; s++) {
            for (Parameter p : List.of(weight, bias)) {
                if (p.grad() != null) {
                    p.grad().zero_();
                }
            }
            Tensor l = F.mseLoss(F.linear(x, weight, bias), y);
            l.backward();
            loss[s] = l.item();
            System.arraycopy(weight.grad().cpu().toFloatArray(), 0, gradW, s * wn, wn);
            System.arraycopy(bias.grad().cpu().toFloatArray(), 0, gradB, s * bn, bn);
            opt.step();
            System.arraycopy(weight.cpu().toFloatArray(), 0, w, s * wn, wn);
            System.arraycopy(bias.cpu().toFloatArray(), 0, b, s * bn, bn);
        }
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("loss", Tensor.of(loss, steps));
        outputs.put("grad_weight", Tensor.of(gradW, prepend(steps, weight.shape())));
        outputs.put("grad_bias", Tensor.of(gradB, prepend(steps, bias.shape())));
        outputs.put("weight", Tensor.of(w, prepend(steps, weight.shape())));
        outputs.put("bias", Tensor.of(b, prepend(steps, bias.shape())));
        return new Result(outputs, Map.of());
    }

    /** The golden README's MNIST CNN, with PyTorch's parameter names {@code conv1.weight} ... {@code conv3.bias}. */
    private static final class TutorialCnn extends Module {
        private final boolean adaptive;

        TutorialCnn(boolean adaptive) {
            this.adaptive = adaptive;
            Generator g = new Generator(0); // the weights are overwritten from the case
            registerModule("conv1", Conv2d.builder(1, 16, 3).stride(2).padding(1).generator(g).build());
            registerModule("conv2", Conv2d.builder(16, 16, 3).stride(2).padding(1).generator(g).build());
            registerModule("conv3", Conv2d.builder(16, 10, 3).stride(2).padding(1).generator(g).build());
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = F.relu(getSubmodule("conv1").forward(x));
            h = F.relu(getSubmodule("conv2").forward(h));
            h = F.relu(getSubmodule("conv3").forward(h));
            h = adaptive ? F.adaptiveAvgPool2d(h, 1) : F.avgPool2d(h, 4);
            return F.flatten(h, 1, -1);
        }
    }

    /**
     * {@code cnn_train_step}: the gradients and logits at the initial parameters, the loss before each SGD step, and
     * the parameters and loss after all steps, on one batch.
     */
    private static Result cnnTrainStep(GoldenCase c, Inputs in) {
        String model = textParam(c, "model");
        boolean adaptive;
        if (model.contains("AdaptiveAvgPool2d(1)")) {
            adaptive = true;
        } else if (model.contains("avg_pool2d(4)")) {
            adaptive = false;
        } else {
            throw new AssertionError(c.file() + ": unknown model '" + model + "' (expected avg_pool2d(4) or AdaptiveAvgPool2d(1) as the pool)");
        }
        requireText(c, "loss", "cross_entropy (mean)");
        requireText(c, "optimizer", "sgd");
        TutorialCnn net = new TutorialCnn(adaptive);
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String name : net.stateDict().keySet()) {
            state.put(name, in.get(name));
        }
        net.loadStateDict(state, true);
        net.to(in.device());
        Tensor x = in.get("x");
        Tensor target = in.get("target");
        Tensor upstream = in.get("upstream");
        int steps = intParam(c, "steps");
        OptimizerStep opt = sgd(net.parameters(), doubleParam(c, "lr"), doubleOr(c, "momentum", 0), doubleOr(c, "dampening", 0),
                doubleOr(c, "weight_decay", 0), boolParam(c, "nesterov", false));
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        Map<String, Tensor> grads = new LinkedHashMap<>();
        float[] losses = new float[steps];
        for (int s = 0; s < steps; s++) {
            net.zeroGrad();
            Tensor logits = net.forward(x);
            Tensor loss = F.crossEntropy(logits, target);
            losses[s] = loss.item();
            loss.backward(upstream);
            if (s == 0) {
                outputs.put("logits", logits.detach().copy());
                for (Map.Entry<String, Parameter> p : net.namedParameters().entrySet()) {
                    grads.put(p.getKey(), p.getValue().grad().copy());
                }
            }
            opt.step();
        }
        outputs.put("loss", Tensor.of(losses, steps));
        try (var ignored = Tensor.noGrad()) {
            outputs.put("loss_after", F.crossEntropy(net.forward(x), target));
        }
        for (Map.Entry<String, Parameter> p : net.namedParameters().entrySet()) {
            outputs.put(p.getKey() + "_after", p.getValue().detach().copy());
        }
        return new Result(outputs, grads);
    }

    // ------------------------------------------------------------------------------------------------ inputs and params

    /** The case's input tensors (fresh copies), remembering which ones the op read. */
    private static final class Inputs {
        private final GoldenCase c;
        private final Map<String, Tensor> copies = new LinkedHashMap<>();
        private final Set<String> used = new HashSet<>();
        private final Device device;

        /** Fresh copies of the case's inputs on {@code device}. */
        Inputs(GoldenCase c, Device device) {
            this.c = c;
            this.device = device;
            for (Map.Entry<String, Tensor> e : c.inputs().entrySet()) {
                Tensor t = e.getValue();
                copies.put(e.getKey(), (t.dtype() == DType.INT32 ? Tensor.ofInts(t.toIntArray(), t.shape())
                        : Tensor.of(t.toFloatArray(), t.shape())).to(device));
            }
        }

        Device device() {
            return device;
        }

        Tensor get(String name) {
            Tensor t = copies.get(name);
            if (t == null) {
                throw new AssertionError(c.file() + ": op " + c.op() + " needs input '" + name + "', the case has " + copies.keySet());
            }
            used.add(name);
            return t;
        }

        boolean has(String name) {
            return copies.containsKey(name);
        }

        Set<String> unused() {
            Set<String> out = new TreeSet<>(copies.keySet());
            out.removeAll(used);
            return out;
        }
    }

    private static Tensor optionalBias(GoldenCase c, Inputs in) {
        boolean bias = c.params().has("bias") ? c.params().get("bias").asBoolean() : in.has("bias");
        return bias ? in.get("bias") : null;
    }

    private static Reduction reduction(GoldenCase c) {
        return c.params().has("reduction") ? Reduction.parse(c.params().get("reduction").asText()) : Reduction.MEAN;
    }

    private static JsonNode param(GoldenCase c, String key) {
        JsonNode n = c.params().get(key);
        if (n == null || n.isNull()) {
            throw new AssertionError(c.file() + ": op " + c.op() + " needs params." + key);
        }
        return n;
    }

    private static int intParam(GoldenCase c, String key) {
        JsonNode n = param(c, key);
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new AssertionError(c.file() + ": params." + key + " must be an integer, got " + n);
        }
        return n.intValue();
    }

    private static double doubleParam(GoldenCase c, String key) {
        JsonNode n = param(c, key);
        if (!n.isNumber()) {
            throw new AssertionError(c.file() + ": params." + key + " must be a number, got " + n);
        }
        return n.doubleValue();
    }

    private static double doubleOr(GoldenCase c, String key, double fallback) {
        return c.params().has(key) && !c.params().get(key).isNull() ? doubleParam(c, key) : fallback;
    }

    private static boolean boolParam(GoldenCase c, String key, boolean fallback) {
        JsonNode n = c.params().get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw new AssertionError(c.file() + ": params." + key + " must be true or false, got " + n);
        }
        return n.booleanValue();
    }

    private static String textParam(GoldenCase c, String key) {
        return param(c, key).asText();
    }

    private static int[] intsParam(GoldenCase c, String key) {
        JsonNode n = param(c, key);
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).intValue();
        }
        return out;
    }

    /** An int or a pair, as PyTorch accepts either; {@code fallback} when absent (null fallback: required). */
    private static int[] pairParam(GoldenCase c, String key, int[] fallback) {
        JsonNode n = c.params().get(key);
        if (n == null || n.isNull() || (n.isArray() && n.isEmpty() && fallback != null)) {
            if (fallback == null) {
                throw new AssertionError(c.file() + ": op " + c.op() + " needs params." + key);
            }
            return fallback.clone();
        }
        if (n.isIntegralNumber()) {
            return new int[] {n.intValue(), n.intValue()};
        }
        if (n.isArray() && n.size() == 2) {
            return new int[] {n.get(0).intValue(), n.get(1).intValue()};
        }
        throw new AssertionError(c.file() + ": params." + key + " must be an int or a pair, got " + n);
    }

    /** Fails on a setting this implementation does not offer, instead of silently computing something else. */
    private static void requireFlag(GoldenCase c, String key, boolean supported) {
        if (boolParam(c, key, supported) != supported) {
            throw new AssertionError(c.file() + ": params." + key + "=" + !supported + " is not supported (only " + supported + ")");
        }
    }

    private static void requireText(GoldenCase c, String key, String expected) {
        if (c.params().has(key) && !c.params().get(key).asText().equals(expected)) {
            throw new AssertionError(c.file() + ": params." + key + "='" + c.params().get(key).asText() + "' is not supported (only '"
                    + expected + "')");
        }
    }

    private static int[] prepend(int first, int[] shape) {
        int[] out = new int[shape.length + 1];
        out[0] = first;
        System.arraycopy(shape, 0, out, 1, shape.length);
        return out;
    }

    // ------------------------------------------------------------------------------------------------ comparison

    /** Elementwise {@code |actual - expected| <= abs + rel * |expected|}, with the worst few mismatches reported. */
    private static void compare(GoldenCase c, String what, Tensor expected, Tensor actual, List<String> failures) {
        if (actual == null) {
            failures.add(what + ": not produced (no gradient reached it?)");
            return;
        }
        if (!Arrays.equals(expected.shape(), actual.shape())) {
            failures.add(what + ": shape " + Shape.format(actual.shape()) + ", expected " + Shape.format(expected.shape()));
            return;
        }
        float[] e = expected.toFloatArray();
        float[] a = actual.cpu().toFloatArray();
        int bad = 0;
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < e.length; i++) {
            double diff = Math.abs((double) a[i] - e[i]);
            if (!(diff <= c.abs() + c.rel() * Math.abs(e[i]))) {
                bad++;
                if (!(diff <= worst)) {
                    worst = diff;
                    worstAt = i;
                }
            }
        }
        if (bad > 0) {
            failures.add(what + ": " + bad + " of " + e.length + " elements out of tolerance; worst at flat index " + worstAt + ": "
                    + a[worstAt] + " vs expected " + e[worstAt] + " (|diff| " + worst + ")");
        }
    }
}
