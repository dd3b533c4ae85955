package io.sparkgrad.trainer.plan;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchPlanTest {

    @Test
    void everyStepHasTheGlobalBatchSplitInProportionToPartitionSizes() {
        int[] sizes = {100, 130, 90, 161};
        BatchPlan plan = BatchPlan.of(sizes, 32, true);
        long total = 481;
        assertEquals(total / 32, plan.steps());
        for (int s = 0; s < plan.steps(); s++) {
            assertEquals(32, plan.samples(s));
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
        BatchPlan plan = BatchPlan.of(sizes, 5, true);
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
    void dropsTheLastPartialBatchWhenAsked() {
        BatchPlan plan = BatchPlan.of(new int[] {50, 50}, 32, true);
        assertEquals(3, plan.steps(), "100 samples in batches of 32: three full steps, the last 4 samples wait for the next epoch");
        long used = 0;
        for (int s = 0; s < plan.steps(); s++) {
            used += plan.count(s, 0) + plan.count(s, 1);
        }
        assertEquals(96, used);
        assertThrows(IndexOutOfBoundsException.class, () -> plan.count(3, 0));
    }

    @Test
    void keepsTheLastPartialBatchAsASmallerLastStepByDefault() {
        int[] sizes = {100, 130, 90, 161};
        BatchPlan plan = BatchPlan.of(sizes, 32, false);
        assertEquals(16, plan.steps(), "481 samples in batches of 32: 15 full steps and one of 1");
        int[] used = new int[sizes.length];
        for (int s = 0; s < plan.steps(); s++) {
            int sum = 0;
            for (int w = 0; w < sizes.length; w++) {
                assertEquals(used[w], plan.offset(s, w), "step " + s + " worker " + w + " starts where its last step ended");
                used[w] += plan.count(s, w);
                sum += plan.count(s, w);
            }
            assertEquals(s < 15 ? 32 : 1, sum, "step " + s);
            assertEquals(sum, plan.samples(s), "step " + s);
        }
        assertEquals(java.util.Arrays.toString(sizes), java.util.Arrays.toString(used), "every sample in the epoch, once");
        // The first 15 steps are the drop-last plan's steps: keeping the tail changes nothing before it.
        BatchPlan dropped = BatchPlan.of(sizes, 32, true);
        for (int s = 0; s < dropped.steps(); s++) {
            for (int w = 0; w < sizes.length; w++) {
                assertEquals(dropped.count(s, w), plan.count(s, w), "step " + s + " worker " + w);
            }
        }
        assertThrows(IndexOutOfBoundsException.class, () -> plan.samples(16));
        BatchPlan exact = BatchPlan.of(new int[] {32, 32}, 32, false);
        assertEquals(2, exact.steps(), "no partial step when the batch divides the data");
        assertEquals(32, exact.samples(1));
    }

    @Test
    void oneWorkerTakesConsecutiveSlices() {
        BatchPlan plan = BatchPlan.of(new int[] {64}, 16, false);
        assertEquals(4, plan.steps());
        assertEquals(48, plan.offset(3, 0));
        assertEquals(16, plan.count(3, 0));
    }

    @Test
    void refusesABatchLargerThanTheDataOnlyWhenItWouldDropEverything() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchPlan.of(new int[] {10, 5}, 16, true));
        assertTrue(e.getMessage().contains("16") && e.getMessage().contains("15") && e.getMessage().contains("dropped"),
                e.getMessage());
        BatchPlan one = BatchPlan.of(new int[] {10, 5}, 16, false);
        assertEquals(1, one.steps(), "kept, the 15 samples make one partial step");
        assertEquals(15, one.samples(0));
        assertEquals(10, one.count(0, 0));
        assertThrows(IllegalArgumentException.class, () -> BatchPlan.of(new int[] {0, 0}, 16, false));
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
