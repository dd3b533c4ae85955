package io.sparkgrad.nn;

import java.util.Locale;

/** How a loss combines per-sample values, as PyTorch's {@code reduction=} argument. */
public enum Reduction {
    MEAN, SUM, NONE;

    /** Parses PyTorch's spelling: {@code mean}, {@code sum}, {@code none}. */
    public static Reduction parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown reduction '" + s + "': expected mean, sum or none", e);
        }
    }
}
