package io.sparkgrad.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PredictionsCsvTest {
    private static String probability(float v) {
        StringBuilder sb = new StringBuilder();
        PredictionsCsv.appendProbability(sb, v);
        return sb.toString();
    }

    @Test
    void probabilitiesHaveSixDecimals() {
        assertEquals("0.500000", probability(0.5f));
        assertEquals("1.000000", probability(1f));
        assertEquals("0.000000", probability(1e-9f));
        assertEquals("0.000012", probability(1.2e-5f));
        assertEquals("0.999999", probability(0.999999f));
        assertEquals("0.123457", probability(0.1234567f));
    }

    @Test
    void oneLinePerImageWithAnEmptyLabelWhenUnknown() {
        float[] p = new float[20];
        p[3] = 1f;
        p[10 + 7] = 0.75f;
        p[10 + 1] = 0.25f;
        Evaluation.Predictions predictions = new Evaluation.Predictions(
                new Evaluation.Summary(0, ConfusionMatrix.empty(10), 2), new int[] {3, -1}, new int[] {3, 7}, p);
        String[] lines = PredictionsCsv.render(predictions).split("\n");
        assertEquals("index,label,prediction,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9", lines[0]);
        assertEquals("0,3,3,0.000000,0.000000,0.000000,1.000000,0.000000,0.000000,0.000000,0.000000,0.000000,0.000000", lines[1]);
        assertEquals("1,,7,0.000000,0.250000,0.000000,0.000000,0.000000,0.000000,0.000000,0.750000,0.000000,0.000000", lines[2]);
        assertEquals(3, lines.length);
    }
}
