package io.sparkgrad.trainer.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkgrad.trainer.sweep.TrialScheduler.Action;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    static final Objective MAX = new Objective("val_accuracy", true);
    static final Objective MIN = new Objective("val_loss", false);

    /** A trial's report and the decision it must get. */
    record Report(int trial, Action expected, double... history) {
    }

    static Report report(int trial, Action expected, double... history) {
        return new Report(trial, expected, history);
    }

    /** Feeds {@code s} the reports in order, checking the decision on each. */
    static void assertDecisions(TrialScheduler s, Report... reports) {
        for (Report r : reports) {
            assertEquals(r.expected(), s.onMilestone(r.trial(), r.history()), "trial " + r.trial() + " after " + r.history().length + " epochs");
        }
    }

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
        assertDecisions(new AshaScheduler(MAX, 9, 3, 1),
                // The first result at a rung is always promoted.
                report(0, Action.CONTINUE, 0.5),
                // Worse than the only result seen: stopped.
                report(1, Action.STOP, 0.4),
                // Seen {0.5, 0.4}: cutoff is the 2/3 quantile = 0.4 + 2/3 * 0.1 = 0.4667; 0.6 passes, 0.45 does not.
                report(2, Action.CONTINUE, 0.6),
                report(3, Action.STOP, 0.45),
                // Seen {0.4, 0.45, 0.5, 0.6}: cutoff at position 2 = 0.5; equal is promoted.
                report(4, Action.CONTINUE, 0.5),
                // The next rung has its own record.
                report(0, Action.CONTINUE, 0.5, 0.6, 0.7),
                report(2, Action.STOP, 0.6, 0.65, 0.69),
                report(0, Action.COMPLETE, 0.5, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.71));
    }

    @Test
    void ashaInModeMinPromotesTheLowest() {
        assertDecisions(new AshaScheduler(MIN, 9, 3, 1),
                report(0, Action.CONTINUE, 0.5),
                report(1, Action.CONTINUE, 0.3),
                report(2, Action.STOP, 0.45),
                report(3, Action.STOP, Double.NaN));
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
        assertDecisions(m,
                // Before the grace epochs end, and with fewer than minTrials others at the epoch, nothing stops.
                report(0, Action.CONTINUE, 0.5, 0.7),
                report(1, Action.CONTINUE, 0.1, 0.2),
                // Others' running averages at epoch 2: 0.6 and 0.15, median 0.375. Best 0.3 < 0.375: stop; best 0.4: go on.
                report(2, Action.STOP, 0.3, 0.25),
                report(3, Action.CONTINUE, 0.2, 0.4));
        // In mode min the best is the lowest.
        assertDecisions(new MedianStoppingScheduler(MIN, 5, 1, 1),
                report(0, Action.CONTINUE, 1.0),
                report(1, Action.STOP, 1.5),
                report(2, Action.CONTINUE, 0.9),
                report(2, Action.COMPLETE, 0.9, 0.8, 0.7, 0.6, 0.5));
    }

    @Test
    void noSchedulerTrainsEveryTrialToMaxEpochsInOneSegment() {
        NoStoppingScheduler s = new NoStoppingScheduler(4);
        assertEquals(4, s.nextMilestone(0));
        assertEquals(Action.COMPLETE, s.onMilestone(0, new double[] {0.1, 0.1, 0.1, 0.1}));
    }
}
