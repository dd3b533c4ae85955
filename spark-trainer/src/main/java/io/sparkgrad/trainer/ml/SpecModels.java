package io.sparkgrad.trainer.ml;

import io.sparkgrad.nn.Conv2d;
import io.sparkgrad.nn.Flatten;
import io.sparkgrad.nn.Linear;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.ReLU;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.tensor.Generator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place the estimator turns a model spec ({@code "linear(64) relu linear(10)"}) into shapes and modules.
 * TEMPORARY: a minimal parser (linear, conv2d, relu, flatten) until core-tensor's {@code ModelSpec} is merged.
 */
final class SpecModels {
    private static final Pattern LAYER = Pattern.compile("([a-z0-9]+)(?:\\(([^)]*)\\))?");

    private SpecModels() {
    }

    /** The spec's layers in canonical text form, or an error naming the bad layer. */
    static List<String> layers(String spec) {
        List<String> out = new ArrayList<>();
        for (String[] l : parse(spec)) {
            out.add(l[1] == null ? l[0] : l[0] + "(" + l[1] + ")");
        }
        return out;
    }

    /** The canonical text of a spec. */
    static String canonical(String spec) {
        return String.join(" ", layers(spec));
    }

    /** The spec written as a list of layers (the YAML form), as one text. */
    static String fromList(List<String> layers) {
        return canonical(String.join(" ", layers));
    }

    /** The shape of one output for one input of {@code inputShape}, without the batch dimension. */
    static int[] outputShape(String spec, int[] inputShape) {
        int[] s = inputShape.clone();
        for (String[] l : parse(spec)) {
            s = step(l, s, null, null).shape;
        }
        return s;
    }

    /** A freshly initialised model: weights drawn from {@code init}, dropout masks from {@code dropout}. */
    static Module build(String spec, int[] inputShape, Generator init, Generator dropout) {
        int[] s = inputShape.clone();
        List<Module> mods = new ArrayList<>();
        for (String[] l : parse(spec)) {
            Built b = step(l, s, init, dropout);
            mods.add(b.module);
            s = b.shape;
        }
        return new Sequential(mods.toArray(new Module[0]));
    }

    private record Built(Module module, int[] shape) {
    }

    private static Built step(String[] l, int[] in, Generator init, Generator dropout) {
        String[] args = l[1] == null ? new String[0] : l[1].split("\\s*,\\s*");
        switch (l[0]) {
            case "relu":
                return new Built(init == null ? null : new ReLU(), in);
            case "flatten": {
                int n = 1;
                for (int d : in) {
                    n *= d;
                }
                return new Built(init == null ? null : new Flatten(), new int[] {n});
            }
            case "linear": {
                if (in.length != 1) {
                    throw new IllegalArgumentException("layer linear(" + l[1] + "): input shape " + Arrays.toString(in) + " must be flattened first");
                }
                int out = Integer.parseInt(args[0]);
                return new Built(init == null ? null : new Linear(in[0], out, true, init), new int[] {out});
            }
            case "conv2d": {
                int out = Integer.parseInt(args[0]);
                int k = Integer.parseInt(args[1]);
                int stride = 1;
                int pad = 0;
                for (int i = 2; i < args.length; i++) {
                    String[] kv = args[i].split("=");
                    if (kv[0].trim().equals("stride")) {
                        stride = Integer.parseInt(kv[1].trim());
                    } else if (kv[0].trim().equals("padding")) {
                        pad = Integer.parseInt(kv[1].trim());
                    }
                }
                int h = (in[1] + 2 * pad - k) / stride + 1;
                int w = (in[2] + 2 * pad - k) / stride + 1;
                Module m = init == null ? null : Conv2d.builder(in[0], out, k).stride(stride).padding(pad).generator(init).build();
                return new Built(m, new int[] {out, h, w});
            }
            default:
                throw new IllegalArgumentException("unknown layer '" + l[0] + "'");
        }
    }

    private static List<String[]> parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("the model spec is empty");
        }
        List<String[]> out = new ArrayList<>();
        Matcher m = LAYER.matcher(spec.trim().toLowerCase());
        int at = 0;
        String s = spec.trim().toLowerCase();
        while (at < s.length()) {
            while (at < s.length() && Character.isWhitespace(s.charAt(at))) {
                at++;
            }
            if (at >= s.length()) {
                break;
            }
            m.region(at, s.length());
            if (!m.lookingAt()) {
                throw new IllegalArgumentException("cannot read the model spec at '" + s.substring(at) + "'");
            }
            out.add(new String[] {m.group(1), m.group(2) == null ? null : m.group(2).trim()});
            at = m.end();
        }
        return out;
    }
}
