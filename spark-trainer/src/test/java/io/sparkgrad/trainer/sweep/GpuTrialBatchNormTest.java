package io.sparkgrad.trainer.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparkgrad.cuda.HostGpuContext;
import io.sparkgrad.data.TensorDataset;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A sweep trial of a batch-norm CNN computing on the (emulated) GPU ends an epoch where its CPU run ends: the training
 * loss, every parameter, the running statistics and batch count in the host model (what checkpoints and the state dict
 * read), and the validation loss and accuracy on those statistics. Skipped, and counted as skipped, without g++.
 */
class GpuTrialBatchNormTest {
    private static final float REL = 1e-4f;

    private static TrialConfig config() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("model", "conv2d(4, 3, stride=2, padding=1) batchnorm2d relu maxpool2d(2) flatten linear(10)");
        v.put("optimizer.name", "sgd");
        v.put("optimizer.lr", 0.05);
        v.put("training.globalBatchSize", 8L);
        return TrialConfig.of(v, 5, 1);
    }

    private static TensorDataset data(long seed, int n) {
        Generator g = new Generator(seed);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = g.nextInt(10);
        }
        return new TensorDataset(Tensor.rand(g, n, 1, 28, 28), Tensor.ofInts(labels, n));
    }

    @Test
    void aBatchNormTrialOnTheGpuEndsItsEpochWhereItsCpuRunEnds() throws Exception {
        assumeTrue(HostGpuContext.emulatorAvailable(), "g++ is not on the PATH: the CUDA emulator cannot be built");
        TensorDataset train = data(1, 16);
        TensorDataset validation = data(2, 8);
        TrialTrainer cpu = new TrialTrainer(config());
        double cpuLoss = cpu.trainEpoch(train);
        double[] cpuEval = cpu.evaluate(validation);
        TrialTrainer gpu = new TrialTrainer(config());
        try (HostGpuContext device = HostGpuContext.emulated()) {
            gpu.computeOn(device);
            double gpuLoss = gpu.trainEpoch(train);
            double[] gpuEval = gpu.evaluate(validation);
            gpu.closeDevice();
            assertEquals(cpuLoss, gpuLoss, REL * Math.abs(cpuLoss), "training loss");
            assertEquals(cpuEval[0], gpuEval[0], REL * Math.abs(cpuEval[0]), "validation loss on the running statistics");
            assertEquals(cpuEval[1], gpuEval[1], "validation accuracy");
        }
        Map<String, Tensor> want = cpu.stateDict();
        Map<String, Tensor> got = gpu.stateDict();
        assertEquals(want.keySet(), got.keySet());
        assertTrue(want.containsKey("1.running_var"), want.keySet().toString());
        assertEquals(2f, got.get("1.num_batches_tracked").item(), "two training batches counted in the host model");
        for (String k : want.keySet()) {
            float[] e = want.get(k).toFloatArray();
            float[] a = got.get(k).toFloatArray();
            float scale = 1e-3f;
            for (float x : e) {
                scale = Math.max(scale, Math.abs(x));
            }
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], a[i], REL * scale, k + "[" + i + "]");
            }
        }
    }
}
