package io.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.cuda.CudaOps.Window;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ops on a real GPU against the CPU backend, plus what only a GPU shows: device memory flat over 100 runs and a
 * session used from another thread. Needs a GPU: each test is skipped, and counted as skipped, where
 * {@link CudaDetection} finds none. scripts/gpu-check runs it.
 */
class GpuOpsAgainstCpuTest extends OpsAgainstCpuContract {
    private GpuSession gpu;

    @BeforeAll
    void openGpu() {
        if (CudaDetection.status().available()) {
            gpu = GpuSession.open(0, Long.MAX_VALUE);
            ops = new CudaOps(gpu, gpu.allocator());
            copies = gpu;
        }
    }

    @AfterAll
    void closeGpu() {
        if (gpu != null) {
            gpu.close();
        }
    }

    @Override
    String noDeviceReason() {
        return "no GPU: " + CudaDetection.status().reason();
    }


    /** 100 runs one after the other in one JVM, each with its own session: device memory in use does not grow. */
    @Test
    void successiveRunsLeaveDeviceMemoryFlat() {
        long[] free = new long[1];
        long[] total = new long[1];
        long afterFirst = 0;
        for (int run = 0; run < 100; run++) {
            try (GpuSession s = GpuSession.open(0, Long.MAX_VALUE)) {
                CudaOps o = new CudaOps(s, s.allocator());
                DeviceArray x = o.empty(256, 1, 28, 28);
                o.fill(x, 1f);
                o.conv2d(x, o.empty(16, 1, 3, 3), null, Window.square(3, 2, 1));
                s.synchronize();
            }
            gpu.makeCurrent();
            GpuSession.check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo");
            if (run == 0) {
                afterFirst = free[0];
            }
        }
        assertTrue(Math.abs(free[0] - afterFirst) <= 2L << 20, "free device memory after run 1: " + afterFirst
                + ", after run 100: " + free[0]);
    }

    /** A session opened on one thread works from another (Spark's pooled task threads). */
    @Test
    void aSessionWorksFromAnotherThread() throws Exception {
        var pool = Executors.newSingleThreadExecutor();
        try {
            float[] out = pool.submit(() -> {
                DeviceArray a = ops.empty(1000);
                ops.fill(a, 2.5f);
                return down(ops.sum(a));
            }).get(60, TimeUnit.SECONDS);
            assertEquals(2500f, out[0]);
        } finally {
            pool.shutdownNow();
        }
    }
}
