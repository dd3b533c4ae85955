package io.sparkgrad.trainer.sweep;

import io.sparkgrad.cuda.DeviceOutOfMemoryException;
import io.sparkgrad.cuda.GpuContext;
import io.sparkgrad.ingest.spark.SerializableConfiguration;
import io.sparkgrad.kernel.Parallelism;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskKilledException;

/**
 * One segment of a trial, as one Spark task runs it: restore the trial from its checkpoint (or start it), train and
 * validate epoch by epoch up to {@code toEpoch}, write a checkpoint.
 *
 * <p>A deterministic failure (non-finite loss, a configuration the model or optimizer rejects) is caught here and
 * returned as a failed {@link SegmentResult}, so Spark does not retry what would fail again. What is not the trial's
 * fault (the data or checkpoint folder cannot be read or written) is thrown, and Spark's retry applies.
 *
 * <p>On a GPU ({@code device}), the segment opens the task's GPU capped at the trial's share, computes there, and
 * closes it at the end, whatever happened, so all its device memory goes back. A trial that needs more than its cap
 * fails alone, with a message naming the cap and the keys to change; the trials beside it on the GPU go on.
 *
 * @param trial         the trial's id
 * @param config        its configuration
 * @param fromEpoch     epochs trained before (0: a new trial)
 * @param toEpoch       the epoch to train to
 * @param checkpointIn  the checkpoint to continue from (null when {@code fromEpoch} is 0)
 * @param checkpointOut where to write the checkpoint at {@code toEpoch}
 * @param conf          the Hadoop settings for the data and checkpoint paths
 * @param device        where the trial computes
 */
record TrialSegment(int trial, TrialConfig config, int fromEpoch, int toEpoch, String checkpointIn, String checkpointOut,
                    SerializableConfiguration conf, TrialDevice device) implements Serializable {

    /** A segment on the CPU. */
    TrialSegment(int trial, TrialConfig config, int fromEpoch, int toEpoch, String checkpointIn, String checkpointOut,
                 SerializableConfiguration conf) {
        this(trial, config, fromEpoch, toEpoch, checkpointIn, checkpointOut, conf, TrialDevice.CPU);
    }

    /** Runs the segment with {@code threads} engine threads. */
    SegmentResult run(int threads) {
        if (Parallelism.numThreads() != threads) {
            Parallelism.setNumThreads(threads);
        }
        long start = System.nanoTime();
        List<EpochResult> epochs = new ArrayList<>();
        GpuContext gpu = null;
        try {
            TrialData data = TrialData.of(config, conf.get());
            TrialTrainer trainer = checkpointIn == null ? new TrialTrainer(config)
                    : TrialTrainer.restore(config, new Path(checkpointIn), conf.get());
            if (trainer.epoch() != fromEpoch) {
                throw new IOException(checkpointIn + " holds epoch " + trainer.epoch() + ", the journal says " + fromEpoch);
            }
            if (device.gpu()) {
                gpu = device.open();
                trainer.computeOn(gpu);
            }
            TaskContext task = TaskContext.get();
            while (trainer.epoch() < toEpoch) {
                if (task != null) {
                    // A killed task (a cancelled sweep, a lost executor's relaunch) stops at the next epoch, not at the rung's end.
                    task.killTaskIfInterrupted();
                }
                long t0 = System.nanoTime();
                double trainLoss = trainer.trainEpoch(data.train());
                double[] val = trainer.evaluate(data.validation());
                epochs.add(new EpochResult(trainer.epoch(), trainLoss, val[0], val[1], (System.nanoTime() - t0) / 1e9));
            }
            trainer.save(new Path(checkpointOut), conf.get());
            return new SegmentResult(trial, fromEpoch, epochs, checkpointOut, null, (System.nanoTime() - start) / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException("trial " + trial + ": " + e.getMessage(), e);
        } catch (UncheckedIOException | TaskKilledException e) {
            throw e;
        } catch (DeviceOutOfMemoryException e) {
            String why = device.overCap(trial, gpu.allocator().limitBytes(), e);   // only a device throws it: gpu is open
            return new SegmentResult(trial, fromEpoch, epochs, null, why, (System.nanoTime() - start) / 1e9);
        } catch (RuntimeException e) {
            String why = e instanceof TrialFailedException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
            return new SegmentResult(trial, fromEpoch, epochs, null, why, (System.nanoTime() - start) / 1e9);
        } finally {
            if (gpu != null) {
                gpu.close();   // the context's allocator returns every block of the trial, the executor's too
            }
        }
    }
}
