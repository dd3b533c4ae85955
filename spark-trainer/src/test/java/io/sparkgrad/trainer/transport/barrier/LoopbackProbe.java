package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.StepStats;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import io.sparkgrad.trainer.plan.BatchPlan;
import io.sparkgrad.trainer.transport.AggregatedStep;
import io.sparkgrad.trainer.transport.EpochSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Measures the barrier transport's step round trip on this machine without Spark and without compute: workers on
 * threads of this JVM speak the real protocol over loopback and answer every step at once, the driver sums and
 * applies SGD with momentum. What remains is the transport's own cost per step (framing, two transfers of the
 * weights' size per worker, the sum, the update), the calibration point of the cost model in the module's design
 * note.
 */
public final class LoopbackProbe {

    /**
     * Round-trip percentiles.
     *
     * @param p50Millis median step cycle
     * @param p95Millis 95th percentile step cycle
     */
    public record Result(double p50Millis, double p95Millis) {
    }

    private LoopbackProbe() {
    }

    /**
     * @param workers    simulated workers
     * @param parameters floats per gradient and weights frame
     * @param steps      measured steps (after as many warm-up steps)
     */
    public static Result measure(int workers, int parameters, int steps) {
        byte[] secret = Handshake.newSecret();
        int[] sizes = new int[workers];
        Arrays.fill(sizes, 2 * steps);
        BatchPlan plan = BatchPlan.of(sizes, workers, true);
        try (AggregationServer server = new AggregationServer("127.0.0.1", secret, workers, parameters,
                Duration.ofSeconds(10))) {
            List<CompletableFuture<Void>> tasks = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int k = w;
                tasks.add(CompletableFuture.runAsync(() -> answer(server, secret, k, parameters)));
            }
            CompletableFuture<Void> all = CompletableFuture.allOf(tasks.toArray(new CompletableFuture[0]));
            float[] params = new float[parameters];
            EngineOptimizer sgd = EngineOptimizer.sgdMomentum(0.01, 0.9);
            long[] cycles = new long[plan.steps()];
            int[] n = {0};
            new BarrierCoordinator(server, plan, parameters, Duration.ofMinutes(2)).run(new EpochSpec(0, 0, 0, "probe", "probe"), params,
                    (AggregatedStep s) -> {
                        if (s.cycleNanos() >= 0) {
                            cycles[n[0]++] = s.cycleNanos();
                        }
                        float[] g = s.gradSum();
                        for (int i = 0; i < g.length; i++) {
                            g[i] /= workers;
                        }
                        sgd.step(params, g);
                        return params;
                    }, JobHandle.of(all));
            // Only the second half: the first half warms up the JIT.
            long[] measured = Arrays.copyOfRange(cycles, n[0] / 2, n[0]);
            Arrays.sort(measured);
            return new Result(measured[measured.length / 2] / 1e6,
                    measured[Math.min(measured.length - 1, (int) Math.ceil(0.95 * measured.length) - 1)] / 1e6);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a loopback aggregation server: " + e.getMessage(), e);
        }
    }

    private static void answer(AggregationServer server, byte[] secret, int worker, int parameters) {
        try (WorkerClient c = WorkerClient.connect("127.0.0.1", server.address().getPort(), secret, worker, 0, 0, parameters,
                10_000, 60_000)) {
            float[] params = new float[parameters];
            float[] grad = new float[parameters];
            while (true) {
                DriverLink.Command cmd = c.next(params);
                if (cmd.type() != Wire.PARAMS) {
                    return;
                }
                grad[worker % parameters] = 1f;
                c.sendGradient(cmd.step(), new StepStats(0.5 * cmd.count(), 0, cmd.count()), 0, grad);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
