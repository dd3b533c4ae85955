package io.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.tensor.Device;
import io.sparkgrad.tensor.Devices;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class CudaDetectionTest {

    /** A driver that answers with fixed codes; {@code initError} is thrown by cuInit when set. */
    private record FakeDriver(LinkageError initError, int initRc, int version, int count) implements DriverApi {
        @Override
        public int init() {
            if (initError != null) {
                throw initError;
            }
            return initRc;
        }

        @Override
        public int driverVersion(int[] out) {
            out[0] = version;
            return 0;
        }

        @Override
        public int deviceCount(int[] out) {
            out[0] = count;
            return 0;
        }

        @Override
        public String errorName(int code) {
            return code == 100 ? "CUDA_ERROR_NO_DEVICE" : code == 35 ? "CUDA_ERROR_INSUFFICIENT_DRIVER" : "CUDA_ERROR_" + code;
        }
    }

    private static Supplier<DriverApi> driver(LinkageError initError, int initRc, int version, int count) {
        return () -> new FakeDriver(initError, initRc, version, count);
    }

    private static String reason(Supplier<DriverApi> driver) {
        CudaStatus s = CudaDetection.probe(driver);
        assertFalse(s.available(), s.toString());
        assertEquals(0, s.deviceCount());
        return s.reason();
    }

    @Test
    void noDriverLibraryNamesLibcuda() {
        String r = reason(driver(new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0\"\n"
                + "libcuda.so.1: cannot open shared object file: No such file or directory"), 0, 0, 0));
        assertTrue(r.startsWith("libcuda.so.1 (the NVIDIA driver's library) cannot be loaded"), r);
        assertTrue(r.contains("[libcuda.so.1: cannot open shared object file"), r);
    }

    @Test
    void aDriverMissingAFunctionIsTooOld() {
        String r = reason(driver(new UnsatisfiedLinkError("libJCudaDriver.so: undefined symbol: cuMemAllocAsync"), 0, 0, 0));
        assertTrue(r.contains("too old") && r.contains("cuMemAllocAsync"), r);
    }

    @Test
    void jcudaThatFailedBeforeOrIsMissingIsNamed() {
        String r = reason(driver(new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver"), 0, 0, 0));
        assertTrue(r.contains("org.jcuda:jcuda") && r.contains("jcuda.driver.JCudaDriver"), r);
    }

    @Test
    void initErrorsNameTheCodeAndTheCause() {
        String noDevice = reason(driver(null, 100, 0, 0));
        assertTrue(noDevice.contains("CUDA_ERROR_NO_DEVICE (100)") && noDevice.contains("CUDA_VISIBLE_DEVICES"), noDevice);
        String oldDriver = reason(driver(null, 35, 0, 0));
        assertTrue(oldDriver.contains("CUDA_ERROR_INSUFFICIENT_DRIVER (35)") && oldDriver.contains("update the driver"), oldDriver);
    }

    @Test
    void aDriverOlderThanCuda12IsRefusedWithItsVersion() {
        CudaStatus s = CudaDetection.probe(driver(null, 0, 11080, 1));
        assertFalse(s.available());
        assertEquals(11080, s.driverVersion());
        assertTrue(s.reason().contains("supports CUDA 11.8") && s.reason().contains("CUDA 12.0 or newer"), s.reason());
        assertTrue(CudaDetection.probe(driver(null, 0, 12000, 1)).available(), "12.0 is new enough");
    }

    @Test
    void noDeviceIsAnAnswerNotAnError() {
        assertTrue(reason(driver(null, 0, 13000, 0)).contains("sees no CUDA device"));
    }

    @Test
    void aDeviceIndexBeyondTheCountNamesBoth() {
        CudaStatus two = CudaDetection.probe(driver(null, 0, 13000, 2));
        assertTrue(two.available());
        assertEquals(2, two.deviceCount());
        assertNull(two.reason());
        two.requireDevice(1);
        var e = assertThrows(IllegalStateException.class, () -> two.requireDevice(2));
        assertEquals("cannot use device cuda:2: no CUDA device 2 of 2 (this process sees cuda:0 to cuda:1; "
                + "CUDA_VISIBLE_DEVICES and Spark's GPU assignment decide which)", e.getMessage());
    }

    @Test
    void anUnusableStatusRefusesEveryDeviceWithItsReason() {
        CudaStatus none = CudaDetection.probe(driver(null, 100, 0, 0));
        var e = assertThrows(IllegalStateException.class, () -> none.requireDevice(0));
        assertEquals("cannot use device cuda:0: " + none.reason(), e.getMessage());
    }

    /** The real probe, on whatever host runs the tests: an answer, cached, never an exception. */
    @Test
    void theRealProbeAnswersOnceAndDevicesRefusesWithItsReason() {
        CudaStatus s = CudaDetection.status();
        assertSame(s, CudaDetection.status(), "probed once, cached");
        if (s.available()) {
            assertTrue(s.deviceCount() >= 1 && s.driverVersion() >= CudaStatus.MIN_DRIVER_VERSION, s.toString());
        } else {
            assertNotNull(s.reason());
            assertTrue(s.reason().matches("(?s).*(libcuda\\.so\\.1|cuInit|driver|JCuda).*"), s.reason());
        }
        // Tensors go to cuda exactly where the probe finds a device; elsewhere asking says why, with no CPU fallback.
        assertEquals(s.available(), Devices.cudaAvailable());
        Devices.require(Device.CPU);
        if (s.available()) {
            Devices.require(Device.cuda(0));
            return;
        }
        var e = assertThrows(IllegalStateException.class, () -> Devices.require(Device.cuda(0)));
        assertTrue(e.getMessage().startsWith("cannot use device cuda:0: "), e.getMessage());
        assertTrue(e.getMessage().contains(s.reason()), e.getMessage());
    }
}
