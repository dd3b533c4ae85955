package io.sparkgrad.trainer.plan;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchPlanTest {

    @Test
    void everyStepHasTheGlobalBatchSplitInProportionToPartitionSizes() {
        int[] sizes = {100, 130, 90, 161};
        BatchPlan plan = BatchPlan.of(sizes, 32);
        long total = 481;
        assertEquals(total / 32, plan.steps());
        for (int s = 0; s < plan.steps(); s++) {
            int sum = 0;
            for (int w = 0; w < sizes.length; w++) {
                int c = plan.count(s, w);
                double share = 32.0 * sizes[w] / total;
                assertTrue(Math.abs(c - share) < 1.0 + 1e-9, "step " + s + " worker " + w + " takes " + c + ", share " + share);
                sum += c;
            }
            assertEquals(32, sum, "step " + s);
        }
    }

    @Test
    void slicesAreConsecutiveAndStayInsideEachPartition() {
        int[] sizes = {7, 0, 20, 3};
        BatchPlan plan = BatchPlan.of(sizes, 5);
        assertEquals(6, plan.steps());
        for (int w = 0; w < sizes.length; w++) {
            int at = 0;
            for (int s = 0; s < plan.steps(); s++) {
                assertEquals(at, plan.offset(s, w));
                at += plan.count(s, w);
            }
            assertTrue(at <= sizes[w], "worker " + w + " used " + at + " of " + sizes[w]);
            assertEquals(0, plan.count(2, 1), "an empty partition never contributes");
        }
    }

    @Test
    void dropsTheLastPartialBatch() {
        BatchPlan plan = BatchPlan.of(new int[] {50, 50}, 32);
        assertEquals(3, plan.steps(), "100 samples in batches of 32: three full steps, the last 4 samples wait for the next epoch");
        long used = 0;
        for (int s = 0; s < plan.steps(); s++) {
            used += plan.count(s, 0) + plan.count(s, 1);
        }
        assertEquals(96, used);
        assertThrows(IndexOutOfBoundsException.class, () -> plan.count(3, 0));
    }

    @Test
    void oneWorkerTakesConsecutiveSlices() {
        BatchPlan plan = BatchPlan.of(new int[] {64}, 16);
        assertEquals(4, plan.steps());
        assertEquals(48, plan.offset(3, 0));
        assertEquals(16, plan.count(3, 0));
    }

    @Test
    void refusesABatchLargerThanTheData() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchPlan.of(new int[] {10, 5}, 16));
        assertTrue(e.getMessage().contains("16") && e.getMessage().contains("15"), e.getMessage());
    }

    @Test
    void epochOrderIsAPermutationDrawnFromSeedEpochAndPartition() {
        int[] a = EpochOrder.permutation(1000, 7, 1, 2);
        boolean[] seen = new boolean[1000];
        for (int i : a) {
            assertTrue(!seen[i]);
            seen[i] = true;
        }
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(EpochOrder.permutation(1000, 7, 1, 2)));
        assertTrue(!java.util.Arrays.equals(a, EpochOrder.permutation(1000, 7, 2, 2)), "a new epoch reshuffles");
        assertTrue(!java.util.Arrays.equals(a, EpochOrder.permutation(1000, 7, 1, 3)), "partitions shuffle independently");
        assertTrue(!java.util.Arrays.equals(a, EpochOrder.permutation(1000, 8, 1, 2)), "the seed matters");
    }
}
