package io.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A CPU run never touches CUDA: a small training step on the CPU, in a class loader of its own (so that what other
 * tests of this JVM loaded does not count), loads no JCuda class and not even the detection. Then asking for CUDA
 * does load the detection, which shows the check can see a class being loaded.
 */
class CpuRunLoadsNoCudaTest {

    /** Runs in the isolated loader: a forward, backward and SGD step of a small model on Device.CPU. */
    public static final class CpuStep implements Runnable {
        @Override
        public void run() {
            var model = new io.sparkgrad.nn.Sequential(new io.sparkgrad.nn.Linear(4, 3), new io.sparkgrad.nn.ReLU());
            model.to(io.sparkgrad.tensor.Device.CPU);
            io.sparkgrad.tensor.Devices.require(io.sparkgrad.tensor.Device.CPU);
            var opt = new io.sparkgrad.optim.SGD(model.parameters(), 0.1);
            var x = io.sparkgrad.tensor.Tensor.randn(5, 4).to(io.sparkgrad.tensor.Device.CPU);
            var y = io.sparkgrad.tensor.Tensor.ofInts(new int[] {0, 1, 2, 0, 1}, 5);
            io.sparkgrad.nn.F.crossEntropy(model.forward(x), y).backward();
            opt.step();
        }
    }

    /** Runs in the isolated loader: asks whether CUDA is usable. */
    public static final class AskForCuda implements Runnable {
        @Override
        public void run() {
            io.sparkgrad.tensor.Devices.cudaAvailable();
        }
    }

    @Test
    void aCpuTrainingStepLoadsNoJCudaClass() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            urls.add(new File(entry).toURI().toURL());
        }
        try (var loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            Method findLoaded = ClassLoader.class.getDeclaredMethod("findLoadedClass", String.class);
            findLoaded.setAccessible(true);
            run(loader, CpuStep.class);
            assertNotNull(findLoaded.invoke(loader, "io.sparkgrad.nn.Linear"), "the check sees classes the step loaded");
            for (String name : List.of("jcuda.driver.JCudaDriver", "jcuda.Pointer", "jcuda.LibUtils",
                    "io.sparkgrad.cuda.CudaDetection", "io.sparkgrad.cuda.JCudaDriverApi")) {
                assertNull(findLoaded.invoke(loader, name), name + " was loaded by a CPU run");
            }
            run(loader, AskForCuda.class);
            assertNotNull(findLoaded.invoke(loader, "io.sparkgrad.cuda.CudaDetection"), "asking for CUDA probes it");
            assertNotNull(findLoaded.invoke(loader, "io.sparkgrad.cuda.JCudaDriverApi"), "the probe goes through JCuda");
        }
    }

    private static void run(ClassLoader loader, Class<? extends Runnable> step) throws Exception {
        Class<?> isolated = Class.forName(step.getName(), true, loader);
        assertEquals(loader, isolated.getClassLoader(), "the step runs in the isolated loader");
        ((Runnable) isolated.getDeclaredConstructor().newInstance()).run();
    }
}
