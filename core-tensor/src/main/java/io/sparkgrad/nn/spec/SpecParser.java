package io.sparkgrad.nn.spec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the text form of a model spec by recursive descent:
 *
 * <pre>
 * spec   = layer { layer }                      layers separated by white space
 * layer  = name [ "(" [ arg { "," arg } ] ")" ]
 * arg    = [ keyword "=" ] value                positional arguments before keyword ones
 * value  = int | float | "true" | "false"       (also Python's True / False)
 * </pre>
 *
 * Names are PyTorch's class names in any case ({@code conv2d}, {@code Conv2d}); keywords are PyTorch's argument names.
 */
final class SpecParser {
    private final String text;
    /** The index of the first layer this text holds, for messages (a YAML list parses one element at a time). */
    private final int firstLayer;
    private int pos;
    private int layerStart;
    private int layerNumber;

    private SpecParser(String text, int firstLayer) {
        this.text = text;
        this.firstLayer = firstLayer;
    }

    /** Every layer in {@code text}; {@code firstLayer} is the 1-based number of the first one. */
    static List<LayerSpec> parse(String text, int firstLayer) {
        return new SpecParser(text, firstLayer).spec();
    }

    private List<LayerSpec> spec() {
        List<LayerSpec> layers = new ArrayList<>();
        skipSpace();
        while (pos < text.length()) {
            layerNumber = firstLayer + layers.size();
            layers.add(layer());
            int end = pos;
            skipSpace();
            if (pos < text.length() && pos == end) {
                throw new ModelSpecException("column " + (pos + 1) + ": unexpected '" + text.charAt(pos) + "' after layer " + layerNumber
                        + " " + text.substring(layerStart, end) + " (layers are separated by spaces)");
            }
        }
        return layers;
    }

    private LayerSpec layer() {
        layerStart = pos;
        if (!isNameStart(peek())) {
            throw error("expected a layer name, found " + found());
        }
        String name = name();
        LayerKind kind = LayerKind.byName(name);
        if (kind == null) {
            throw error("unknown layer '" + name + "'; did you mean " + nearest(name, LayerKind.names()) + "? Layers: "
                    + String.join(", ", LayerKind.names()), layerStart);
        }
        List<Param> params = kind.params();
        Object[] values = new Object[params.size()];
        boolean[] byName = new boolean[params.size()];
        int save = pos;
        skipSpace();
        if (peek() == '(') {
            pos++;
            skipSpace();
            if (peek() != ')') {
                int positional = 0;
                boolean keywords = false;
                while (true) {
                    int argStart = pos;
                    String keyword = null;
                    if (isNameStart(peek()) && !isLiteralWord()) {
                        keyword = name();
                        skipSpace();
                        if (peek() != '=') {
                            throw error("expected '=' after argument name '" + keyword + "', found " + found());
                        }
                        pos++;
                        skipSpace();
                    }
                    int valueStart = pos;
                    Object literal = value();
                    int index;
                    if (keyword == null) {
                        if (keywords) {
                            throw error("positional argument follows keyword argument", argStart);
                        }
                        if (positional >= params.size()) {
                            throw error(kind.specName() + " takes at most " + params.size() + " argument" + (params.size() == 1 ? "" : "s")
                                    + ": " + kind.signature(), argStart);
                        }
                        index = positional++;
                    } else {
                        keywords = true;
                        index = indexOf(params, keyword);
                        if (index < 0) {
                            throw error("unknown argument '" + keyword + "' for " + kind.specName() + (params.isEmpty() ? ", which takes none"
                                    : "; did you mean " + nearest(keyword, params.stream().map(Param::name).toList()) + "? "
                                    + kind.signature()), argStart);
                        }
                        if (values[index] != null) {
                            throw error("argument '" + keyword + "' given twice" + (byName[index] ? "" : " (by position and by name)"),
                                    argStart);
                        }
                        byName[index] = true;
                    }
                    Param p = params.get(index);
                    Object v = p.type().coerce(literal);
                    if (v == null) {
                        throw error(p.name() + " must be " + p.type().description() + ", got " + text.substring(valueStart, pos),
                                valueStart);
                    }
                    values[index] = v;
                    skipSpace();
                    if (peek() == ',') {
                        pos++;
                        skipSpace();
                        continue;
                    }
                    if (peek() == ')') {
                        break;
                    }
                    throw error("expected ',' or ')', found " + found());
                }
            }
            pos++;
        } else {
            pos = save;
        }
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            if (values[i] == null) {
                if (p.isRequired()) {
                    throw error("missing required argument '" + p.name() + "': " + kind.signature(), layerStart);
                }
                values[i] = p.defaultFrom() != null ? values[indexOf(params, p.defaultFrom())] : p.defaultValue();
            }
        }
        return new LayerSpec(kind, Arrays.asList(values));
    }

    /** An int (Long), a float (Double) or a boolean. */
    private Object value() {
        int start = pos;
        if (isNameStart(peek())) {
            String word = name();
            return switch (word) {
                case "true", "True" -> Boolean.TRUE;
                case "false", "False" -> Boolean.FALSE;
                default -> throw error("expected a number, true or false, found '" + word + "'", start);
            };
        }
        if (peek() == '+' || peek() == '-') {
            pos++;
        }
        boolean digits = false;
        boolean isFloat = false;
        while (Character.isDigit(peek())) {
            pos++;
            digits = true;
        }
        if (peek() == '.') {
            isFloat = true;
            pos++;
            while (Character.isDigit(peek())) {
                pos++;
                digits = true;
            }
        }
        if (digits && (peek() == 'e' || peek() == 'E')) {
            isFloat = true;
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!Character.isDigit(peek())) {
                throw error("malformed number '" + text.substring(start, pos) + "'", start);
            }
            while (Character.isDigit(peek())) {
                pos++;
            }
        }
        if (!digits) {
            pos = start;
            if (peek() == '(' || peek() == '[') {
                throw error("tuples are not supported; give one int for both height and width", start);
            }
            throw error("expected a number, true or false, found " + found(), start);
        }
        if (isNameStart(peek())) {
            throw error("malformed number '" + text.substring(start, pos + 1) + "'", start);
        }
        String number = text.substring(start, pos);
        if (isFloat) {
            return Double.parseDouble(number);
        }
        try {
            return Long.parseLong(number);
        } catch (NumberFormatException e) {
            throw error("number " + number + " is too large", start);
        }
    }

    // ------------------------------------------------------------------------------------------------ lexing

    private boolean isLiteralWord() {
        int end = pos;
        while (end < text.length() && isNamePart(text.charAt(end))) {
            end++;
        }
        String word = text.substring(pos, end);
        if (!(word.equals("true") || word.equals("false") || word.equals("True") || word.equals("False"))) {
            return false;
        }
        // A literal unless '=' follows: then it is a (misspelt) keyword.
        while (end < text.length() && Character.isWhitespace(text.charAt(end))) {
            end++;
        }
        return end >= text.length() || text.charAt(end) != '=';
    }

    private String name() {
        int start = pos;
        while (isNamePart(peek())) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private static boolean isNameStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean isNamePart(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private String found() {
        return pos < text.length() ? "'" + text.charAt(pos) + "'" : "the end of the text";
    }

    private ModelSpecException error(String problem) {
        return error(problem, pos);
    }

    /** "layer 3 conv2d(16, x) (column 12): problem", naming the layer by its text up to the end of its arguments. */
    private ModelSpecException error(String problem, int column) {
        String layerText = layerText();
        return new ModelSpecException("layer " + layerNumber + (layerText.isEmpty() ? "" : " " + layerText) + " (column " + (column + 1)
                + "): " + problem);
    }

    private String layerText() {
        int end = layerStart;
        while (end < text.length() && isNamePart(text.charAt(end))) {
            end++;
        }
        int next = end;
        while (next < text.length() && Character.isWhitespace(text.charAt(next))) {
            next++;
        }
        if (end > layerStart && next < text.length() && text.charAt(next) == '(') {
            int close = text.indexOf(')', next);
            end = close < 0 ? text.length() : close + 1;
        }
        return text.substring(layerStart, end).strip();
    }

    private static int indexOf(List<Param> params, String name) {
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** The candidate closest to {@code word} by edit distance (ignoring case). */
    static String nearest(String word, List<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = editDistance(word.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
