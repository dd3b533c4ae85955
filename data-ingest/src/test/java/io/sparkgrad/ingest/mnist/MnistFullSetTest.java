package io.sparkgrad.ingest.mnist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkgrad.ingest.download.DataUnavailableException;
import io.sparkgrad.ingest.testutil.TestFiles;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The full official set from the cache folder ({@link MnistCache#defaultDir()}), checksums verified, downloaded first
 * when the cache lacks it (the route CI takes on a fresh machine). Skipped, with the reason, only when it can be
 * neither found nor downloaded.
 */
class MnistFullSetTest {

    private static Mnist mnist;
    private static String skipReason;

    @BeforeAll
    static void cached() throws Exception {
        try {
            mnist = Mnist.download();
        } catch (DataUnavailableException e) {
            skipReason = "full MNIST is neither cached in " + MnistCache.defaultDir() + " nor downloadable here, so the full-set"
                    + " tests are SKIPPED: " + e.getMessage();
            System.err.println("MnistFullSetTest: " + skipReason);
        }
    }

    @BeforeEach
    void needsTheFullSet() {
        Assumptions.assumeTrue(skipReason == null, skipReason);
    }

    @Test
    void officialSplitsHaveTheirSizesAndFirstLabels() throws Exception {
        MnistSplit train = TestFiles.assertOfficialSplits(mnist, 60_000, 10_000);
        int[] perClass = new int[10];
        for (int l : train.labels()) {
            perClass[l]++;
        }
        // The official training set's class counts.
        assertArrayEquals(new int[] {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, perClass);
    }

    @Test
    void tutorialSplitIsTrainingRecordsUpTo50000AndTheRest() throws Exception {
        MnistSplit train = mnist.tutorialTrain(PixelScaling.DIV_256);
        MnistSplit valid = mnist.tutorialValid(PixelScaling.DIV_256);
        MnistSplit all = mnist.train(PixelScaling.DIV_256);
        assertEquals(50_000, train.count());
        assertEquals(10_000, valid.count());
        assertArrayEquals(Arrays.copyOfRange(all.labels(), 50_000, 60_000), valid.labels());
        assertArrayEquals(Arrays.copyOfRange(all.images(), 50_000 * 784, 50_010 * 784), Arrays.copyOf(valid.images(), 10 * 784));
        assertArrayEquals(Arrays.copyOfRange(all.images(), 49_990 * 784, 50_000 * 784),
                Arrays.copyOfRange(train.images(), 49_990 * 784, 50_000 * 784));
    }

    @Test
    void normalisationConstantsAreTheTrainingSetsMeanAndStd() throws Exception {
        MnistSplit d255 = mnist.train(PixelScaling.DIV_255);
        double[] ms = meanStd(d255.images());
        assertEquals(0.1307, ms[0], 5e-5);
        assertEquals(0.3081, ms[1], 5e-5);
        double[] norm = meanStd(mnist.train(PixelScaling.NORMALIZE).images());
        assertEquals(0.0, norm[0], 2e-4);
        assertEquals(1.0, norm[1], 2e-4);
    }

    private static double[] meanStd(float[] x) {
        double s = 0;
        double s2 = 0;
        for (float v : x) {
            s += v;
            s2 += (double) v * v;
        }
        double mean = s / x.length;
        return new double[] {mean, Math.sqrt(s2 / x.length - mean * mean)};
    }
}
