package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.tensor.DType;
import io.sparkgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

class TensorDatasetTest {

    /** x row i = [10i, 10i+1, 10i+2], y i = i % 3. */
    static TensorDataset rows(int n) {
        float[] x = new float[n * 3];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 3; j++) {
                x[i * 3 + j] = 10 * i + j;
            }
            y[i] = i % 3;
        }
        return new TensorDataset(Tensor.of(x, n, 3), Tensor.ofInts(y, n));
    }

    @Test
    void getReturnsViewsOfRowI() {
        TensorDataset ds = rows(5);
        assertEquals(5, ds.size());
        Example e = ds.get(2);
        assertArrayEquals(new int[] {3}, e.x().shape());
        assertArrayEquals(new float[] {20f, 21f, 22f}, e.x().toFloatArray());
        assertEquals(0, e.y().dim());
        assertEquals(2, e.y().getInt());
        assertSame(ds.x().data(), e.x().data());
    }

    @Test
    void batchCopiesTheRowsInTheGivenOrder() {
        TensorDataset ds = rows(6);
        Batch b = ds.batch(new int[] {4, 0, 4, 5});
        assertArrayEquals(new int[] {4, 3}, b.x().shape());
        assertArrayEquals(new float[] {40, 41, 42, 0, 1, 2, 40, 41, 42, 50, 51, 52}, b.x().toFloatArray());
        assertEquals(DType.INT32, b.y().dtype());
        assertArrayEquals(new int[] {1, 0, 1, 2}, b.y().toIntArray());
        assertEquals(4, b.size());
        b.x().data()[0] = -1f; // a copy: the dataset is untouched
        assertEquals(40f, ds.get(4).x().getFloat(0));
    }

    @Test
    void consecutiveRowsOfAViewedDatasetComeOutRight() {
        // A dataset built from a view with a storage offset and a non-contiguous target.
        Tensor big = Tensor.arange(40).view(10, 4);
        Tensor x = big.narrow(0, 2, 6);                               // rows 2..7, offset 8
        Tensor y = Tensor.arange(12).view(6, 2).t().contiguous().t(); // [6, 2], strided
        TensorDataset ds = new TensorDataset(x, y);
        Batch b = ds.batch(new int[] {1, 2, 3});
        assertArrayEquals(new float[] {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}, b.x().toFloatArray());
        assertArrayEquals(new float[] {2, 3, 4, 5, 6, 7}, b.y().toFloatArray());
    }

    @Test
    void mismatchedFirstDimensionsAreRefusedWithBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TensorDataset(Tensor.zeros(5, 784), Tensor.ofInts(new int[4], 4)));
        assertTrue(e.getMessage().contains("x has 5 samples (shape [5, 784]) but y has 4 (shape [4])"), e.getMessage());
        IllegalArgumentException scalar = assertThrows(IllegalArgumentException.class,
                () -> new TensorDataset(Tensor.scalar(1f), Tensor.zeros(1)));
        assertTrue(scalar.getMessage().contains("needs tensors with a first (sample) dimension"), scalar.getMessage());
    }

    @Test
    void outOfRangeIndicesNameTheDatasetSize() {
        TensorDataset ds = rows(3);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> ds.batch(new int[] {0, 3}));
        assertTrue(e.getMessage().contains("index 3 is out of range for a TensorDataset of 3 samples"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> ds.get(-1));
    }

    @Test
    void tensorsThatRequireGradAreDetached() {
        Tensor x = Tensor.ones(2, 2).requiresGrad(true);
        TensorDataset ds = new TensorDataset(x, Tensor.zeros(2));
        assertTrue(!ds.x().requiresGrad());
        assertTrue(!ds.batch(new int[] {1}).x().requiresGrad());
    }
}
