package io.sparkgrad.cuda;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * Whether this process can use CUDA, probed once and cached with its reason.
 *
 * <p>The probe loads JCuda's driver binding by name ({@link JCudaDriverApi}), then asks the driver to initialise,
 * for its version and for its device count. Nothing here links a JCuda class until {@link #status()} is first called,
 * so a CPU run, which never asks, never loads JCuda (checked by {@code CpuRunLoadsNoCudaTest}). The answer is cached
 * because JCuda's native library fails to load only once: the next attempt throws {@code NoClassDefFoundError},
 * which would hide the real reason.
 */
public final class CudaDetection {

    private CudaDetection() {
    }

    /** The probed answer, computed on first use, the same object afterwards. */
    public static CudaStatus status() {
        return Cached.STATUS;
    }

    /** Lazy holder: the probe runs when {@link #status()} is first called, once, thread-safely. */
    private static final class Cached {
        static final CudaStatus STATUS = probe(CudaDetection::jcudaDriver);
    }

    private static DriverApi jcudaDriver() {
        try {
            return (DriverApi) Class.forName("io.sparkgrad.cuda.JCudaDriverApi").getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("io.sparkgrad.cuda.JCudaDriverApi cannot be created", e);
        }
    }

    /**
     * Probes CUDA through {@code driver} and says why it is unusable, if it is. Never throws for a missing library,
     * driver or device: those are answers.
     */
    static CudaStatus probe(Supplier<DriverApi> driver) {
        DriverApi api;
        int rc;
        try {
            api = driver.get();
            rc = api.init();
        } catch (NoClassDefFoundError e) {
            return CudaStatus.unusable(0, "JCuda (org.jcuda:jcuda) is not on the class path, or its native library "
                    + "failed to load earlier in this process: " + e.getMessage());
        } catch (LinkageError e) {
            return CudaStatus.unusable(0, linkFailure(e));
        }
        if (rc != 0) {
            return CudaStatus.unusable(0, initFailure(rc, api.errorName(rc)));
        }
        int[] version = new int[1];
        rc = api.driverVersion(version);
        if (rc != 0) {
            return CudaStatus.unusable(0, "cuDriverGetVersion failed with " + api.errorName(rc) + " (" + rc + ")");
        }
        if (version[0] < CudaStatus.MIN_DRIVER_VERSION) {
            return CudaStatus.unusable(version[0], "the NVIDIA driver is too old: it supports CUDA "
                    + CudaStatus.versionText(version[0]) + ", Sparkgrad's kernels need a driver for CUDA "
                    + CudaStatus.versionText(CudaStatus.MIN_DRIVER_VERSION) + " or newer (driver 525+). Update the driver");
        }
        int[] count = new int[1];
        rc = api.deviceCount(count);
        if (rc != 0) {
            return CudaStatus.unusable(version[0], "cuDeviceGetCount failed with " + api.errorName(rc) + " (" + rc + ")");
        }
        if (count[0] == 0) {
            return CudaStatus.unusable(version[0], "the NVIDIA driver sees no CUDA device (check CUDA_VISIBLE_DEVICES)");
        }
        return CudaStatus.usable(count[0], version[0]);
    }

    private static String linkFailure(LinkageError e) {
        String message = String.valueOf(e.getMessage());
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("libcuda.so")) {
            return "libcuda.so.1 (the NVIDIA driver's library) cannot be loaded: no NVIDIA driver is installed on this "
                    + "host, or it is not on the library path [" + firstLine(message) + "]";
        }
        if (lower.contains("undefined symbol")) {
            return "the NVIDIA driver is too old for JCuda 12.6 (a driver API function is missing): update the driver ["
                    + firstLine(message) + "]";
        }
        return "JCuda's native driver binding could not be loaded (" + e.getClass().getSimpleName() + "): " + firstLine(message);
    }

    private static String initFailure(int rc, String name) {
        String what = switch (rc) {
            case 100 -> "no CUDA-capable device is visible (check CUDA_VISIBLE_DEVICES and that the GPU is passed to "
                    + "this container)";
            case 35 -> "the NVIDIA driver is older than the CUDA version JCuda 12.6 needs: update the driver";
            case 34 -> "the CUDA driver stub is loaded instead of the real driver (libcuda.so.1 from a toolkit's "
                    + "stubs folder is on the library path)";
            default -> "the NVIDIA driver failed to initialise";
        };
        return "cuInit failed with " + name + " (" + rc + "): " + what;
    }

    private static String firstLine(String s) {
        // JCuda's loader lists every attempt on separate lines; the dlopen error is the informative one.
        for (String line : s.split("\n")) {
            if (line.toLowerCase(Locale.ROOT).contains("libcuda") || line.contains("undefined symbol")) {
                return line.trim();
            }
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
