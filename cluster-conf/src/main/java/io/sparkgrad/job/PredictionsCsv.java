package io.sparkgrad.job;

/** Predictions as CSV: {@code index,label,prediction,p0,...,p<k-1>}, one line per sample in data order. */
public final class PredictionsCsv {
    private PredictionsCsv() {
    }

    /** The header line for {@code classes} classes. */
    public static String header(int classes) {
        StringBuilder sb = new StringBuilder("index,label,prediction");
        for (int c = 0; c < classes; c++) {
            sb.append(",p").append(c);
        }
        return sb.toString();
    }

    /** The whole file: the header, then one line per image (the label left empty when unknown). */
    public static String render(Evaluation.Predictions p) {
        StringBuilder sb = new StringBuilder(64 + p.size() * 96);
        int classes = p.summary().confusion().classes();
        sb.append(header(classes)).append('\n');
        float[] probs = p.probabilities();
        for (int i = 0; i < p.size(); i++) {
            sb.append(i).append(',');
            if (p.labels()[i] >= 0) {
                sb.append(p.labels()[i]);
            }
            sb.append(',').append(p.predicted()[i]);
            for (int c = 0; c < classes; c++) {
                sb.append(',');
                appendProbability(sb, probs[i * classes + c]);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Six decimals, without String.format's cost per value (a test set has 100,000 of them). */
    static void appendProbability(StringBuilder sb, float v) {
        long micros = Math.round((double) v * 1_000_000);
        sb.append(micros / 1_000_000).append('.');
        String frac = Long.toString(micros % 1_000_000);
        sb.append("0".repeat(6 - frac.length())).append(frac);
    }
}
