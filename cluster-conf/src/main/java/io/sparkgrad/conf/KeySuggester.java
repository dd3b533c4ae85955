package io.sparkgrad.conf;

import java.util.List;
import java.util.Locale;

/**
 * Finds the valid key nearest to a mistyped one, by edit distance. A sibling in the same section wins
 * ties; a key elsewhere is also considered (one extra edit for the move), so {@code lr} at the top level
 * suggests {@code optimizer.lr}.
 */
final class KeySuggester {
    private KeySuggester() {
    }

    /**
     * The nearest valid full path for the unknown key {@code name} found in {@code section} at
     * {@code prefix} ("" at the top, else ending in '.').
     */
    static String nearest(ConfigSchema.Section section, String prefix, String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String sibling : section.children().keySet()) {
            int d = distance(name, sibling);
            if (d < bestDistance) {
                best = prefix + sibling;
                bestDistance = d;
            }
        }
        List<String> all = ConfigSchema.leafPaths();
        for (String path : all) {
            if (path.startsWith(prefix) && path.indexOf('.', prefix.length()) < 0) {
                continue; // a sibling, already scored
            }
            int d = distance(name, path.substring(path.lastIndexOf('.') + 1)) + 1;
            if (d < bestDistance) {
                best = path;
                bestDistance = d;
            }
        }
        return best;
    }

    /**
     * " (did you mean X?)" for the option nearest to {@code value} if it is close (a typo, not a different
     * word), else "".
     */
    static String didYouMean(String value, Iterable<String> options) {
        String best = nearest(value, options);
        boolean close = best != null && distance(value, best) <= Math.max(2, value.length() / 3);
        return close ? " (did you mean " + best + "?)" : "";
    }

    /** The option nearest to {@code value}, for enum-like strings. */
    static String nearest(String value, Iterable<String> options) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String option : options) {
            int d = distance(value, option);
            if (d < bestDistance) {
                best = option;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Optimal string alignment distance (Levenshtein plus adjacent transpositions), ignoring case. */
    static int distance(String a, String b) {
        a = a.toLowerCase(Locale.ROOT);
        b = b.toLowerCase(Locale.ROOT);
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
