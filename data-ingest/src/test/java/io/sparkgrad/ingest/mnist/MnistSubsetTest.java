package io.sparkgrad.ingest.mnist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.BadInputException;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.testutil.TestFiles;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Reading the checked-in real MNIST subset (300 training and 200 test records) into arrays. */
class MnistSubsetTest {

    private final Mnist mnist = Mnist.in(TestFiles.subsetDir());
    private final byte[] trainImages = TestFiles.subsetBytes("train-images-idx3-ubyte.gz");

    @Test
    void labelsAreTheOfficialOnes() throws Exception {
        TestFiles.assertOfficialSplits(mnist, 300, 200);
    }

    @Test
    void pixelsAreTheFileBytesScaledExactlyAsPyTorchDoes() throws Exception {
        MnistSplit raw = mnist.train(PixelScaling.NONE);
        MnistSplit d255 = mnist.train(PixelScaling.DIV_255);
        MnistSplit d256 = mnist.train(PixelScaling.DIV_256);
        MnistSplit norm = mnist.train(PixelScaling.NORMALIZE);
        for (int i = 0; i < raw.images().length; i++) {
            int v = trainImages[16 + i] & 0xFF;
            assertEquals(v, raw.images()[i]);
            assertEquals(v / 255f, d255.images()[i]);
            assertEquals(v / 256f, d256.images()[i]);
            assertEquals((v / 255f - 0.1307f) / 0.3081f, norm.images()[i]);
        }
        // Image 0 (a 5): its centre row holds ink, its corner none.
        assertEquals(0f, d255.images()[0]);
        assertEquals(1f, Arrays.stream(toDouble(d255.images(), 0, 784)).max().orElseThrow(), 1e-6);
        assertEquals(-0.1307f / 0.3081f, norm.images()[0]);
        assertTrue(d256.images()[14 * 28 + 14] < 1f);
    }

    @Test
    void aRangeEqualsTheSameSliceOfTheWhole() throws Exception {
        MnistSplit all = mnist.train(PixelScaling.DIV_255);
        MnistSplit part = mnist.load(false, 123, 45, PixelScaling.DIV_255);
        assertArrayEquals(Arrays.copyOfRange(all.images(), 123 * 784, 168 * 784), part.images());
        assertArrayEquals(Arrays.copyOfRange(all.labels(), 123, 168), part.labels());
    }

    @Test
    void tutorialSplitNeedsFiftyThousandRecordsAndSaysSo() {
        BadInputException e = assertThrows(BadInputException.class, () -> mnist.tutorialValid(PixelScaling.DIV_256));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz") && e.getMessage().contains("records 50000 to 59999")
                && e.getMessage().contains("holds 300 records"), e.getMessage());
    }

    @Test
    void splitBecomesABlockOfShape1x28x28WithoutCopying() throws Exception {
        MnistSplit test = mnist.test(PixelScaling.DIV_256);
        SampleBlock b = test.toBlock(3);
        assertEquals(3, b.partition());
        assertEquals(200, b.size());
        assertEquals(784, b.featureSize());
        assertArrayEquals(new int[] {1, 28, 28}, b.featureShape());
        assertTrue(b.features() == test.images());
    }

    private static double[] toDouble(float[] f, int from, int to) {
        double[] d = new double[to - from];
        for (int i = from; i < to; i++) {
            d[i - from] = f[i];
        }
        return d;
    }
}
