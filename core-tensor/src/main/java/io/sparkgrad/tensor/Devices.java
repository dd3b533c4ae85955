package io.sparkgrad.tensor;

/**
 * Which devices this process can use. The CUDA backend (JCuda) is optional: it is probed once, lazily, and its
 * absence is a normal answer with a reason, never an exception (loading JCuda's natives without a driver throws
 * {@code UnsatisfiedLinkError} once and {@code NoClassDefFoundError} forever after, so the answer is cached).
 */
public final class Devices {
    private static volatile String unavailableReason;
    private static volatile boolean probed;

    private Devices() {
    }

    /** True when a CUDA device and the GPU backend are usable. */
    public static boolean cudaAvailable() {
        probe();
        return unavailableReason == null;
    }

    /** Why CUDA is not usable (null when it is). */
    public static String cudaUnavailableReason() {
        probe();
        return unavailableReason;
    }

    private static synchronized void probe() {
        if (probed) {
            return;
        }
        probed = true;
        try {
            Class<?> jcuda = Class.forName("jcuda.runtime.JCuda");
            int[] count = new int[1];
            Object rc = jcuda.getMethod("cudaGetDeviceCount", int[].class).invoke(null, (Object) count);
            if (rc instanceof Integer code && code != 0) {
                unavailableReason = "cudaGetDeviceCount failed with CUDA error " + code + " (no driver or no GPU)";
            } else if (count[0] == 0) {
                unavailableReason = "no CUDA device found";
            } else {
                unavailableReason = "a CUDA device is present, but Sparkgrad's GPU kernels are not part of this build";
            }
        } catch (ClassNotFoundException e) {
            unavailableReason = "the GPU backend (JCuda) is not on the classpath";
        } catch (ReflectiveOperationException | LinkageError e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            unavailableReason = "the GPU backend could not be loaded: " + cause;
        }
    }

    /** Fails with a clear message unless {@code device} can hold tensors. */
    public static void require(Device device) {
        if (device.kind() == Device.Kind.CUDA && !cudaAvailable()) {
            throw new IllegalStateException("cannot use device " + device + ": " + cudaUnavailableReason()
                    + ". Use Device.CPU, or check Devices.cudaAvailable() first.");
        }
        if (device.kind() == Device.Kind.CUDA) {
            throw new IllegalStateException("cannot use device " + device + ": " + cudaUnavailableReason());
        }
    }
}
