package io.sparkgrad.trainer.sweep;

import io.sparkgrad.tensor.Generator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The values one configuration key may take in a sweep: a fixed value, or one of the forms {@code choice(a, b, ...)},
 * {@code grid(a, b, ...)}, {@code uniform(lo, hi)}, {@code loguniform(lo, hi)}, {@code randint(lo, hi)}.
 *
 * <p>Values are kept as the YAML scalars they were written as: {@link Long}, {@link Double}, {@link Boolean} or
 * {@link String} (a layer-list spec such as {@code "flatten linear(10)"} is a string).
 */
public sealed interface Domain {

    /** The forms, as written in the YAML file. */
    List<String> FORMS = List.of("choice", "grid", "uniform", "loguniform", "randint");

    /** A value drawn from this domain with {@code g} (a grid or fixed domain returns its value without drawing). */
    Object sample(Generator g);

    /** Whether the value is best plotted on a log axis. */
    default boolean logScale() {
        return false;
    }

    /** A value every trial gets. */
    record Fixed(Object value) implements Domain {
        @Override
        public Object sample(Generator g) {
            return value;
        }
    }

    /** A domain of listed values: sampled uniformly, enumerated by the grid searcher. */
    sealed interface Listed extends Domain permits Choice, Grid {
        List<Object> values();

        @Override
        default Object sample(Generator g) {
            return values().get(g.nextInt(values().size()));
        }
    }

    /** One of {@code values}, uniformly at random (the grid searcher enumerates them as a grid dimension). */
    record Choice(List<Object> values) implements Listed {
        public Choice {
            values = List.copyOf(values);
        }
    }

    /** Every one of {@code values}: a dimension of the grid (the random searcher draws one uniformly). */
    record Grid(List<Object> values) implements Listed {
        public Grid {
            values = List.copyOf(values);
        }
    }

    /** A double uniform in {@code [lo, hi)}. */
    record Uniform(double lo, double hi) implements Domain {
        @Override
        public Object sample(Generator g) {
            return lo + (hi - lo) * g.nextDouble();
        }
    }

    /** A double whose logarithm is uniform in {@code [log lo, log hi)}; {@code 0 < lo < hi}. */
    record LogUniform(double lo, double hi) implements Domain {
        @Override
        public Object sample(Generator g) {
            return Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * g.nextDouble());
        }

        @Override
        public boolean logScale() {
            return true;
        }
    }

    /** An integer uniform in {@code [lo, hi)} (upper bound excluded, as numpy's and Ray Tune's randint). */
    record RandInt(long lo, long hi) implements Domain {
        @Override
        public Object sample(Generator g) {
            return lo + Math.floorMod(g.nextLong() >>> 1, hi - lo);
        }
    }

    /**
     * The domain written for {@code key}: a YAML string of one of the forms, else the scalar itself as a fixed value.
     *
     * @throws SweepConfigException naming the key: an unknown form, a bound that is not a number, {@code lo >= hi},
     *         {@code loguniform} with {@code lo <= 0}, an empty or malformed list
     */
    static Domain parse(String key, Object yaml) {
        if (yaml == null) {
            throw new SweepConfigException("space." + key + " has no value; give a value or one of " + String.join(", ", FORMS)
                    + ", e.g. choice(32, 64)");
        }
        if (yaml instanceof List<?> || yaml instanceof java.util.Map<?, ?>) {
            throw new SweepConfigException("space." + key + " is a YAML " + (yaml instanceof List<?> ? "list" : "mapping")
                    + "; write a list of values as choice(a, b) or grid(a, b)");
        }
        if (!(yaml instanceof String text)) {
            return new Fixed(normalise(yaml));
        }
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) {
            return new Fixed(text);
        }
        String form = m.group(1).toLowerCase(Locale.ROOT);
        List<String> args = splitArgs(m.group(2));
        String where = "space." + key + " = " + text.strip();
        switch (form) {
            case "choice", "grid" -> {
                if (args.isEmpty()) {
                    throw new SweepConfigException(where + ": " + form + " needs at least one value");
                }
                List<Object> values = new ArrayList<>();
                for (String a : args) {
                    values.add(scalar(a));
                }
                return form.equals("choice") ? new Choice(values) : new Grid(values);
            }
            case "uniform", "loguniform", "randint" -> {
                if (args.size() != 2) {
                    throw new SweepConfigException(where + ": " + form + " takes two bounds (lo, hi), got " + args.size());
                }
                if (form.equals("randint")) {
                    long lo = integer(where, args.get(0));
                    long hi = integer(where, args.get(1));
                    if (lo >= hi) {
                        throw new SweepConfigException(where + ": lo must be below hi (hi is excluded), got " + lo + " >= " + hi);
                    }
                    return new RandInt(lo, hi);
                }
                double lo = number(where, args.get(0));
                double hi = number(where, args.get(1));
                if (!(lo < hi)) {
                    throw new SweepConfigException(where + ": lo must be below hi, got " + lo + " >= " + hi);
                }
                if (form.equals("loguniform") && lo <= 0) {
                    throw new SweepConfigException(where + ": loguniform needs 0 < lo, got lo = " + lo);
                }
                return form.equals("uniform") ? new Uniform(lo, hi) : new LogUniform(lo, hi);
            }
            default -> {
                // A lone layer such as linear(10) is a model spec, not a misspelt form.
                try {
                    io.sparkgrad.nn.spec.ModelSpec.parse(text);
                    return new Fixed(text);
                } catch (RuntimeException notASpec) {
                    throw new SweepConfigException(where + ": unknown form '" + m.group(1) + "'; the forms are "
                            + String.join(", ", FORMS) + " (or write a plain value)");
                }
            }
        }
    }

    /** {@code name(args)} where name is a word: a candidate form. A spec like {@code linear(10)} alone is caught too. */
    Pattern FORM = Pattern.compile("([A-Za-z_]+)\\s*\\((.*)\\)");

    /** Splits a form's arguments at the commas outside parentheses (a layer spec may hold commas). */
    private static List<String> splitArgs(String inner) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        StringBuilder cur = new StringBuilder();
        for (char c : inner.toCharArray()) {
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            }
            if (c == ',' && depth == 0) {
                out.add(cur.toString().strip());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (!cur.toString().isBlank() || !out.isEmpty()) {
            out.add(cur.toString().strip());
        }
        return out;
    }

    private static Object normalise(Object v) {
        if (v instanceof Integer i) {
            return i.longValue();
        }
        if (v instanceof Float f) {
            return f.doubleValue();
        }
        if (v instanceof java.math.BigDecimal b) {
            return b.doubleValue();
        }
        return v;
    }

    /** A list element: an integer, a double, a boolean, or else a string (quotes removed). */
    private static Object scalar(String a) {
        String s = a.strip();
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            return s.substring(1, s.length() - 1);
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            // not an integer
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            // not a number
        }
        if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(s);
        }
        return s;
    }

    private static double number(String where, String s) {
        try {
            return Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            throw new SweepConfigException(where + ": bound '" + s + "' is not a number");
        }
    }

    private static long integer(String where, String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            throw new SweepConfigException(where + ": bound '" + s + "' is not an integer");
        }
    }
}
