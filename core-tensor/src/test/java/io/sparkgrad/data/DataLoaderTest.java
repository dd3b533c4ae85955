package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class DataLoaderTest {

    /** Sample index of each row of a batch of {@link TensorDatasetTest#rows}: y was i % 3, so use x[0] / 10. */
    private static int[] indices(Batch b) {
        float[] x = b.x().toFloatArray();
        int[] out = new int[b.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) (x[i * 3] / 10);
        }
        return out;
    }

    private static List<int[]> epoch(Iterable<Batch> loader) {
        List<int[]> out = new ArrayList<>();
        for (Batch b : loader) {
            out.add(indices(b));
        }
        return out;
    }

    @Test
    void batchesInOrderWithASmallerLastBatch() {
        DataLoader dl = new DataLoader(TensorDatasetTest.rows(10), 4);
        assertEquals(3, dl.size());
        List<int[]> e = epoch(dl);
        assertEquals(3, e.size());
        assertArrayEquals(new int[] {0, 1, 2, 3}, e.get(0));
        assertArrayEquals(new int[] {4, 5, 6, 7}, e.get(1));
        assertArrayEquals(new int[] {8, 9}, e.get(2));
        Batch last = null;
        for (Batch b : dl) {
            last = b;
        }
        assertArrayEquals(new int[] {2, 0}, last.y().toIntArray());
    }

    @Test
    void dropLastDropsTheIncompleteBatch() {
        DataLoader dl = DataLoader.builder(TensorDatasetTest.rows(10)).batchSize(4).dropLast(true).build();
        assertEquals(2, dl.size());
        List<int[]> e = epoch(dl);
        assertEquals(2, e.size());
        assertArrayEquals(new int[] {4, 5, 6, 7}, e.get(1));
        DataLoader exact = DataLoader.builder(TensorDatasetTest.rows(8)).batchSize(4).dropLast(true).build();
        assertEquals(2, epoch(exact).size());
    }

    @Test
    void shuffleIsASeededPermutationRedrawnEachEpoch() {
        DataLoader a = DataLoader.builder(TensorDatasetTest.rows(50)).batchSize(8).shuffle(true).generator(new Generator(7)).build();
        DataLoader b = DataLoader.builder(TensorDatasetTest.rows(50)).batchSize(8).shuffle(true).generator(new Generator(7)).build();
        int[] a1 = flatten(epoch(a));
        int[] a2 = flatten(epoch(a));
        int[] b1 = flatten(epoch(b));
        int[] b2 = flatten(epoch(b));
        assertArrayEquals(a1, b1, "same seed, same first epoch");
        assertArrayEquals(a2, b2, "same seed, same second epoch");
        assertFalse(Arrays.equals(a1, a2), "each epoch is shuffled anew");
        int[] sorted = a1.clone();
        Arrays.sort(sorted);
        int[] all = new int[50];
        Arrays.setAll(all, i -> i);
        assertArrayEquals(all, sorted, "an epoch visits every sample once");
        assertFalse(Arrays.equals(all, a1), "shuffled, not in order");
        assertEquals(new Generator(7).permutation(50)[0], a1[0], "the epoch order is the generator's permutation");
    }

    @Test
    void aGenericDatasetBatchesLikeTheTensorFastPath() {
        TensorDataset tensors = TensorDatasetTest.rows(11);
        Dataset generic = new Dataset() {
            @Override
            public int size() {
                return tensors.size();
            }

            @Override
            public Example get(int index) {
                return tensors.get(index);
            }
        };
        DataLoader fast = DataLoader.builder(tensors).batchSize(3).shuffle(true).generator(new Generator(3)).build();
        DataLoader slow = DataLoader.builder(generic).batchSize(3).shuffle(true).generator(new Generator(3)).build();
        Iterator<Batch> f = fast.iterator();
        Iterator<Batch> s = slow.iterator();
        while (f.hasNext()) {
            Batch fb = f.next();
            Batch sb = s.next();
            assertArrayEquals(fb.x().shape(), sb.x().shape());
            assertArrayEquals(fb.x().toFloatArray(), sb.x().toFloatArray());
            assertArrayEquals(fb.y().toIntArray(), sb.y().toIntArray());
        }
        assertFalse(s.hasNext());
    }

    @Test
    void examplesOfDifferentShapesCannotBeStacked() {
        Dataset ragged = new Dataset() {
            @Override
            public int size() {
                return 2;
            }

            @Override
            public Example get(int index) {
                return new Example(Tensor.zeros(index + 1), Tensor.scalar(0f));
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new DataLoader(ragged, 2).iterator().next());
        assertTrue(e.getMessage().contains("x of example 0 is FLOAT32 [1] but x of example 1 is FLOAT32 [2]"), e.getMessage());
    }

    @Test
    void mapTransformsEveryBatchLikeWrappedDataLoader() {
        float[] pixels = new float[5 * 784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = i;
        }
        TensorDataset mnistLike = new TensorDataset(Tensor.of(pixels, 5, 784), Tensor.ofInts(new int[] {3, 1, 4, 1, 5}, 5));
        DataLoader dl = new DataLoader(mnistLike, 2);
        DataLoader images = dl.map(b -> new Batch(b.x().view(-1, 1, 28, 28), b.y()));
        assertEquals(dl.size(), images.size());
        List<Batch> batches = new ArrayList<>();
        images.forEach(batches::add);
        assertEquals(3, batches.size());
        assertArrayEquals(new int[] {2, 1, 28, 28}, batches.get(0).x().shape());
        assertArrayEquals(new int[] {1, 1, 28, 28}, batches.get(2).x().shape());
        assertEquals(784f * 4 + 28 + 1, batches.get(2).x().getFloat(0, 0, 1, 1));
        // Maps compose in order.
        DataLoader scaled = images.map(b -> new Batch(b.x().div(256f), b.y()));
        assertEquals(1f / 256f, scaled.iterator().next().x().getFloat(0, 0, 0, 1));
        assertArrayEquals(new int[] {3, 1}, scaled.iterator().next().y().toIntArray());
    }

    @Test
    void iteratorEndsCleanlyAndSettingsAreValidated() {
        Iterator<Batch> it = new DataLoader(TensorDatasetTest.rows(2), 5).iterator();
        assertTrue(it.hasNext());
        assertEquals(2, it.next().size());
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DataLoader(TensorDatasetTest.rows(2), 0));
        assertTrue(e.getMessage().contains("batch_size should be a positive integer value, but got batch_size=0"), e.getMessage());
        assertEquals(0, new DataLoader(TensorDatasetTest.rows(0), 4).size());
        assertFalse(new DataLoader(TensorDatasetTest.rows(0), 4).iterator().hasNext());
    }

    private static int[] flatten(List<int[]> batches) {
        return batches.stream().flatMapToInt(Arrays::stream).toArray();
    }
}
