package io.sparkgrad.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {
    @Test
    void countsRowsTheDiagonalAndAccuracy() {
        // true 0: 3 right, 1 taken for 2; true 1: 2 right; true 2: 1 taken for 0, 4 right.
        ConfusionMatrix m = new ConfusionMatrix(3, new long[] {3, 0, 1, 0, 2, 0, 1, 0, 4});
        assertEquals(11, m.total());
        assertEquals(9, m.correct());
        assertEquals(9 / 11.0, m.accuracy(), 1e-15);
        assertEquals(4, m.rowTotal(0));
        assertEquals(1, m.count(0, 2));
        assertEquals(1, m.count(2, 0));
        assertTrue(Double.isNaN(ConfusionMatrix.empty(3).accuracy()));
    }

    @Test
    void matricesAddUpAndAreImmutable() {
        long[] counts = {1, 2, 3, 4};
        ConfusionMatrix a = new ConfusionMatrix(2, counts);
        counts[0] = 100;
        assertEquals(1, a.count(0, 0), "the constructor copies");
        a.counts()[0] = 100;
        assertEquals(1, a.count(0, 0), "the accessor copies");
        assertEquals(new ConfusionMatrix(2, new long[] {2, 4, 6, 8}), a.plus(a));
    }

    @Test
    void shapesMustFit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ConfusionMatrix(10, new long[99]));
        assertEquals("a confusion matrix of 10 classes needs 100 counts, got 99", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.empty(2).plus(ConfusionMatrix.empty(3)));
    }
}
