package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.data.Blocks;
import io.sparkgrad.trainer.transport.GradientWorker;
import io.sparkgrad.trainer.transport.WorkerSpec;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.util.TaskInterruptListener;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * One barrier task's whole epoch on an executor: join the driver's aggregation server (over its socket, or in memory
 * when the task runs in the driver's JVM), then for every step
 * load the weights, compute the gradient sum of this worker's slice and send it, until the driver says END.
 * Returns one record {@code [partition, steps computed]}.
 */
final class BarrierWorkerTask extends AbstractFunction1<Iterator<SampleBlock>, Iterator<int[]>> implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String host;
    private final int port;
    private final ChannelSecret secret;
    private final WorkerSpec worker;
    private final int connectTimeoutMs;
    private final int readTimeoutMs;

    BarrierWorkerTask(String host, int port, ChannelSecret secret, WorkerSpec worker, int connectTimeoutMs,
                      int readTimeoutMs) {
        this.host = host;
        this.port = port;
        this.secret = secret;
        this.worker = worker;
        this.connectTimeoutMs = connectTimeoutMs;
        this.readTimeoutMs = readTimeoutMs;
    }

    @Override
    public Iterator<int[]> apply(Iterator<SampleBlock> it) {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        int partition = ctx.partitionId();
        SampleBlock block = Blocks.single(CollectionConverters.asJava(it), partition);
        int numParameters = worker.numParameters();
        DriverLink client;
        try {
            client = join(partition, ctx.stageAttemptNumber());
        } catch (IOException e) {
            throw new UncheckedIOException("worker " + partition + " could not join the aggregation server at " + host + ":" + port
                    + " (is the driver reachable from the executors on spark.driver.host?): " + e.getMessage(), e);
        }
        // A killed task (its gang failed) must not sit in a socket read: closing the socket ends the read at once.
        ctx.addTaskInterruptListener((TaskInterruptListener) (c, reason) -> client.close());
        int steps = 0;
        long step = -1;
        try (client; GradientWorker gradients = worker.open(ctx.cpus(), block, partition)) {
            float[] params = new float[numParameters];
            while (true) {
                DriverLink.Command cmd = client.next(params);
                step = cmd.step();
                if (cmd.type() == Wire.END) {
                    break;
                }
                if (cmd.type() == Wire.ABORT) {
                    throw new IllegalStateException("the driver stopped the run at step " + step + ": " + cmd.message());
                }
                GradientWorker.Contribution c = gradients.step(cmd.weights(), step, cmd.offset(), cmd.count());
                client.sendGradient(step, c.stats(), c.computeNanos(), c.gradSum());
                steps++;
            }
        } catch (IOException e) {
            client.sendError(step, describe(e));
            throw new UncheckedIOException("worker " + partition + " lost the aggregation server at step " + step + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            client.sendError(step, describe(e));
            throw e;
        }
        return CollectionConverters.asScala(List.of(new int[] {partition, steps}).iterator());
    }

    /**
     * In memory when this task runs in the driver's JVM (local mode) and the server there takes such joins; otherwise
     * over the authenticated, encrypted socket.
     */
    private DriverLink join(int partition, int stageAttempt) throws IOException {
        byte[] key = secret.resolve();
        var local = InProcessEndpoints.find(port, key);
        if (local.isPresent()) {
            return local.get().joinInProcess(partition, stageAttempt, worker.epoch(), readTimeoutMs);
        }
        // Once per executor JVM: compiles the cipher code while the handshake runs.
        CipherWarmUp.startOnce();
        return WorkerClient.connect(host, port, key, partition, stageAttempt, worker.epoch(), worker.numParameters(),
                connectTimeoutMs, readTimeoutMs);
    }

    private static String describe(Throwable e) {
        StringBuilder s = new StringBuilder(e.toString());
        StackTraceElement[] trace = e.getStackTrace();
        for (int i = 0; i < Math.min(3, trace.length); i++) {
            s.append("\n    at ").append(trace[i]);
        }
        if (e.getCause() != null && e.getCause() != e) {
            s.append("\n  caused by ").append(e.getCause());
        }
        return s.toString();
    }
}
