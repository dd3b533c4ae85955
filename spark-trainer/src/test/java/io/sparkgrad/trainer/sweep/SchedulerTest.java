package io.sparkgrad.trainer.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkgrad.trainer.sweep.TrialScheduler.Action;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    static final Objective MAX = new Objective("val_accuracy", true);
    static final Objective MIN = new Objective("val_loss", false);

    @Test
    void ashaRungsAreGraceTimesPowersOfTheFactorBelowMaxEpochs() {
        AshaScheduler a = new AshaScheduler(MAX, 9, 3, 1);
        assertArrayEquals(new int[] {1, 3}, a.rungs());
        assertEquals(1, a.nextMilestone(0));
        assertEquals(3, a.nextMilestone(1));
        assertEquals(9, a.nextMilestone(3));
        assertArrayEquals(new int[] {2, 4, 8}, new AshaScheduler(MAX, 16, 2, 2).rungs());
        assertArrayEquals(new int[] {1, 3, 9}, new AshaScheduler(MAX, 10, 3, 1).rungs());
    }

    @Test
    void ashaPromotesOnlyTheTopThirdOfWhatARungHasSeen() {
        AshaScheduler a = new AshaScheduler(MAX, 9, 3, 1);
        // The first result at a rung is always promoted.
        assertEquals(Action.CONTINUE, a.onMilestone(0, new double[] {0.5}));
        // Worse than the only result seen: stopped.
        assertEquals(Action.STOP, a.onMilestone(1, new double[] {0.4}));
        // Seen {0.5, 0.4}: cutoff is the 2/3 quantile = 0.4 + 2/3 * 0.1 = 0.4667; 0.6 passes, 0.45 does not.
        assertEquals(Action.CONTINUE, a.onMilestone(2, new double[] {0.6}));
        assertEquals(Action.STOP, a.onMilestone(3, new double[] {0.45}));
        // Seen {0.4, 0.45, 0.5, 0.6}: cutoff at position 2 = 0.5; equal is promoted.
        assertEquals(Action.CONTINUE, a.onMilestone(4, new double[] {0.5}));
        // The next rung has its own record.
        assertEquals(Action.CONTINUE, a.onMilestone(0, new double[] {0.5, 0.6, 0.7}));
        assertEquals(Action.STOP, a.onMilestone(2, new double[] {0.6, 0.65, 0.69}));
        assertEquals(Action.COMPLETE, a.onMilestone(0, new double[] {0.5, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.71}));
    }

    @Test
    void ashaInModeMinPromotesTheLowest() {
        AshaScheduler a = new AshaScheduler(MIN, 9, 3, 1);
        assertEquals(Action.CONTINUE, a.onMilestone(0, new double[] {0.5}));
        assertEquals(Action.CONTINUE, a.onMilestone(1, new double[] {0.3}));
        assertEquals(Action.STOP, a.onMilestone(2, new double[] {0.45}));
        assertEquals(Action.STOP, a.onMilestone(3, new double[] {Double.NaN}));
    }

    @Test
    void ashaStopsAboutTwoThirdsOfManyTrialsAtTheFirstRung() {
        AshaScheduler a = new AshaScheduler(MAX, 9, 3, 1);
        int promoted = 0;
        java.util.Random r = new java.util.Random(3);
        for (int t = 0; t < 300; t++) {
            if (a.onMilestone(t, new double[] {r.nextDouble()}) == Action.CONTINUE) {
                promoted++;
            }
        }
        assertEquals(100, promoted, 25);
    }

    @Test
    void medianStoppingComparesTheBestSoFarWithTheMedianOfOthersRunningAverages() {
        MedianStoppingScheduler m = new MedianStoppingScheduler(MAX, 5, 2, 2);
        assertEquals(2, m.nextMilestone(0));
        assertEquals(3, m.nextMilestone(2));
        assertEquals(5, m.nextMilestone(4));
        // Before the grace epochs end, and with fewer than minTrials others at the epoch, nothing stops.
        assertEquals(Action.CONTINUE, m.onMilestone(0, new double[] {0.5, 0.7}));
        assertEquals(Action.CONTINUE, m.onMilestone(1, new double[] {0.1, 0.2}));
        // Others' running averages at epoch 2: 0.6 and 0.15, median 0.375. Best 0.3 < 0.375: stop; best 0.4: go on.
        assertEquals(Action.STOP, m.onMilestone(2, new double[] {0.3, 0.25}));
        assertEquals(Action.CONTINUE, m.onMilestone(3, new double[] {0.2, 0.4}));
        // In mode min the best is the lowest.
        MedianStoppingScheduler n = new MedianStoppingScheduler(MIN, 5, 1, 1);
        n.onMilestone(0, new double[] {1.0});
        assertEquals(Action.STOP, n.onMilestone(1, new double[] {1.5}));
        assertEquals(Action.CONTINUE, n.onMilestone(2, new double[] {0.9}));
        assertEquals(Action.COMPLETE, n.onMilestone(2, new double[] {0.9, 0.8, 0.7, 0.6, 0.5}));
    }

    @Test
    void noSchedulerTrainsEveryTrialToMaxEpochsInOneSegment() {
        NoStoppingScheduler s = new NoStoppingScheduler(4);
        assertEquals(4, s.nextMilestone(0));
        assertEquals(Action.COMPLETE, s.onMilestone(0, new double[] {0.1, 0.1, 0.1, 0.1}));
    }
}
