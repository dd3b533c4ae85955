package io.sparkgrad.nn.spec;

/** What values a spec argument takes; each checks and converts a parsed literal (Long, Double or Boolean). */
enum ArgType {
    POSITIVE_INT("a positive int"),
    NON_NEGATIVE_INT("an int >= 0"),
    INT("an int"),
    PROBABILITY("a float in [0, 1]"),
    POSITIVE_FLOAT("a positive float"),
    FLOAT("a finite float"),
    BOOL("true or false");

    private final String description;

    ArgType(String description) {
        this.description = description;
    }

    /** What this type takes, for error messages ("a positive int"). */
    String description() {
        return description;
    }

    /** The value as stored in a {@link LayerSpec} (Integer, Double or Boolean), or null when {@code literal} does not fit. */
    Object coerce(Object literal) {
        switch (this) {
            case POSITIVE_INT, NON_NEGATIVE_INT, INT -> {
                if (!(literal instanceof Long || literal instanceof Integer)) {
                    return null;
                }
                long v = ((Number) literal).longValue();
                long min = this == POSITIVE_INT ? 1 : this == NON_NEGATIVE_INT ? 0 : Integer.MIN_VALUE;
                return v >= min && v <= Integer.MAX_VALUE ? (Object) (int) v : null;
            }
            case PROBABILITY, POSITIVE_FLOAT, FLOAT -> {
                if (!(literal instanceof Number) || literal instanceof Double && !Double.isFinite((Double) literal)) {
                    return null;
                }
                double v = ((Number) literal).doubleValue();
                boolean ok = switch (this) {
                    case PROBABILITY -> v >= 0 && v <= 1;
                    case POSITIVE_FLOAT -> v > 0;
                    default -> true;
                };
                return ok ? (Object) v : null;
            }
            case BOOL -> {
                return literal instanceof Boolean ? literal : null;
            }
            default -> throw new AssertionError(this);
        }
    }

    /** The canonical spelling of a stored value: {@code 16}, {@code 0.5}, {@code 1e-05}, {@code true}. */
    static String format(Object value) {
        if (value instanceof Double d) {
            return formatFloat(d);
        }
        return String.valueOf(value);
    }

    /** Python's spelling of a stored value: {@code True} for {@code true}, floats as {@link #format}. */
    static String python(Object value) {
        if (value instanceof Boolean b) {
            return b ? "True" : "False";
        }
        return format(value);
    }

    /** The shortest text that reads back as {@code d}, with a Python-style exponent ({@code 1e-05}, {@code 0.1}, {@code 2.0}). */
    static String formatFloat(double d) {
        String s = Double.toString(d);
        int e = s.indexOf('E');
        if (e < 0) {
            return s;
        }
        String mantissa = s.substring(0, e);
        if (mantissa.endsWith(".0")) {
            mantissa = mantissa.substring(0, mantissa.length() - 2);
        }
        int exponent = Integer.parseInt(s.substring(e + 1));
        return mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
