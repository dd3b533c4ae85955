package io.sparkgrad.job;

import io.sparkgrad.conf.DataConfig;
import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.TrainingConfig;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.metrics.MetricSink;
import io.sparkgrad.trainer.metrics.RunInfo;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a throwaway replica of the job's model on synthetic samples in a background thread while the job loads its
 * data and the trainer sets up, so that the JIT has compiled the engine's hot kernels (the convolutions' and GEMM's
 * Vector API loops, which run many times slower interpreted or in C1) before the first epoch needs them. Without it the
 * first epoch of the MNIST job spends about twice the CPU of a warm one (JFR samples: half in kernels not yet compiled,
 * half in the JDK's AES-GCM before its intrinsics, which the barrier transport warms up for itself when its session
 * starts). With an embedded master the gradient workers are threads of this JVM and find the code compiled; on
 * a cluster only the driver would, so the job warms up only for an embedded ({@code local[...]}) master.
 *
 * <p>The warm-up touches nothing the run uses: its replica, samples and generator are its own, and it stops, at the
 * latest, when {@link #stop()} is called or the run starts its first epoch (it is one of the trainer's metric sinks),
 * or after {@code maxSteps} steps. Its results are thrown away; only the compiled code stays. The JVM property
 * {@value #STEPS_PROPERTY} sets {@code maxSteps} (default {@value #DEFAULT_STEPS}; 0 turns the warm-up off).
 */
final class JitWarmUp implements MetricSink {
    private static final Logger LOG = LoggerFactory.getLogger(JitWarmUp.class);
    /** The JVM property that caps the warm-up's gradient steps (0: no warm-up). */
    static final String STEPS_PROPERTY = "sparkgrad.warmUpSteps";
    /**
     * Off by default: on the 2-core AMD EPYC, quiet, the main job took 29.9 and 31.1 s with a 400-step warm-up against
     * 26.3 and 24.5 s without (interleaved, 2026-12-07): on two cores the warm-up's thread takes CPU from Spark's
     * start and the data load that the first epoch would have spent compiling anyway. {@value #STEPS_PROPERTY}{@code
     * =400} (enough for C2 to compile the MNIST CNN's kernels at batch 32) turns it on, for machines with cores to spare.
     */
    static final int DEFAULT_STEPS = 0;
    /** Steps without a faster one after which the kernels count as compiled. */
    private static final int PATIENCE = 100;
    /** Samples in the synthetic block (the steps draw their batches from it). */
    private static final int SAMPLES = 256;
    /** A warm-up that does nothing. */
    static final JitWarmUp NONE = new JitWarmUp();

    private final Thread thread;
    private volatile boolean stopped;
    private volatile int steps;

    private JitWarmUp() {
        thread = null;
    }

    private JitWarmUp(JobModel model, int batch, int maxSteps) {
        thread = new Thread(() -> run(model, batch, maxSteps), "sparkgrad-warm-up");
        thread.setDaemon(true);
    }

    /**
     * The warm-up for {@code config}'s job, started, when its master is embedded and the model's input shape is known
     * before the data is read ({@code model.inputShape}, or the built-in MNIST's {@code [1, 28, 28]}); else
     * {@link #NONE} (then {@link #orStart} may start one once the data has given the shape).
     */
    static JitWarmUp early(JobConfig config) {
        return early(config, Integer.getInteger(STEPS_PROPERTY, DEFAULT_STEPS));
    }

    /** {@link #early(JobConfig)} with at most {@code maxSteps} gradient steps (0: none, and so no warm-up). */
    static JitWarmUp early(JobConfig config, int maxSteps) {
        int[] shape = config.model().inputShapeArray();
        if (shape == null && !config.data().readsFrames() && DataConfig.isMnist(config.data().train())) {
            shape = new int[] {1, 28, 28};
        }
        if (shape == null || !embedded(master(config))) {
            return NONE;
        }
        JobModel model;
        try {
            model = JobModel.of(config.model().spec(), shape, config.model().label(), config.model().key());
        } catch (IllegalArgumentException e) {
            return NONE; // the job reports the model's problem with the data's shape in its message
        }
        return start(model, config.training(), maxSteps);
    }

    /** This warm-up, or when it is {@link #NONE} and the master is embedded, a new one for {@code model}, started. */
    JitWarmUp orStart(JobConfig config, JobModel model) {
        return thread != null || !embedded(master(config)) ? this
                : start(model, config.training(), Integer.getInteger(STEPS_PROPERTY, DEFAULT_STEPS));
    }

    private static JitWarmUp start(JobModel model, TrainingConfig t, int maxSteps) {
        if (maxSteps <= 0) {
            return NONE;
        }
        int workers = Math.max(1, t.workers());
        return start(model, (t.globalBatchSize() + workers - 1) / workers, maxSteps);
    }

    /** The master the job's session will have: spark-submit's (a system property) over the configuration's. */
    private static String master(JobConfig config) {
        return System.getProperty("spark.master", config.spark().master());
    }

    /**
     * Starts warming up on a background thread.
     *
     * @param model    the job's model, on its sample shape
     * @param batch    samples per gradient step, as one worker computes them (the global batch over the workers)
     * @param maxSteps gradient steps at most
     */
    static JitWarmUp start(JobModel model, int batch, int maxSteps) {
        JitWarmUp w = new JitWarmUp(model, Math.max(1, Math.min(batch, SAMPLES)), maxSteps);
        w.thread.start();
        return w;
    }

    /** Whether {@code master} runs the workers in this JVM (embedded {@code local}, {@code local[n]}, {@code local[*]}). */
    static boolean embedded(String master) {
        return master != null && (master.equals("local") || master.startsWith("local["));
    }

    /** Gradient steps done so far. */
    int steps() {
        return steps;
    }

    /** Whether its thread still runs. */
    boolean running() {
        return thread != null && thread.isAlive();
    }

    /** Asks the warm-up to end after its current step and waits for it (a step takes milliseconds once compiled). */
    void stop() {
        if (thread == null) {
            return;
        }
        stopped = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Training starts: the warm-up ends, so that it takes no CPU from the gradient workers. */
    @Override
    public void onStart(RunInfo info) {
        stop();
    }

    @Override
    public void close() {
        stop();
    }

    private void run(JobModel model, int batch, int maxSteps) {
        long t0 = System.nanoTime();
        try (ReplicaModel replica = model.factory(0).create(1)) {
            SampleBlock block = syntheticBlock(model);
            int[] order = new int[block.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            float[] grad = new float[replica.numParameters()];
            replica.train(true);
            // Steps until maxSteps, or until the step time has not improved for PATIENCE steps (the kernels are
            // compiled: more steps would only take CPU from Spark's start).
            long best = Long.MAX_VALUE;
            int sinceBest = 0;
            int n = 0;
            for (; n < maxSteps && sinceBest < PATIENCE && !stopped; n++) {
                long s0 = System.nanoTime();
                replica.beginStep(n, n);
                replica.computeGradient(block, order, (n * batch) % (block.size() - batch + 1), batch, grad);
                long took = System.nanoTime() - s0;
                steps = n + 1;
                if (took < best * 0.95) {
                    best = took;
                    sinceBest = 0;
                } else {
                    sinceBest++;
                }
            }
            LOG.debug("Sparkgrad: warm-up ran {} gradient steps in {} ms", n,
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException | LinkageError e) {
            // A warm-up only saves time: whatever breaks here, the run itself will meet and report.
            LOG.debug("Sparkgrad: kernel warm-up stopped: {}", e.toString());
        }
    }

    /** {@value #SAMPLES} samples of the model's input shape, uniform in [-1, 1), with labels of every class. */
    private static SampleBlock syntheticBlock(JobModel model) {
        int[] shape = model.inputShape();
        int per = 1;
        for (int d : shape) {
            per *= d;
        }
        Random r = new Random(1);
        float[] x = new float[SAMPLES * per];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat() * 2 - 1;
        }
        int classes = model.classes();
        int[] y = new int[SAMPLES];
        for (int i = 0; i < y.length; i++) {
            y[i] = i % classes;
        }
        return new SampleBlock(0, x, y, shape);
    }
}
