package io.sparkgrad.cuda;

/**
 * What the one CUDA probe of this process found ({@link CudaDetection#status()}).
 *
 * @param available     true when the driver initialised, is new enough and sees at least one device
 * @param deviceCount   the devices the driver sees (after {@code CUDA_VISIBLE_DEVICES}); 0 when unavailable
 * @param driverVersion the CUDA version the driver supports, as the driver writes it (12060 = 12.6); 0 when unknown
 * @param reason        why CUDA is not usable, naming the cause and what to do; null when available
 */
public record CudaStatus(boolean available, int deviceCount, int driverVersion, String reason) {

    /** The oldest driver whose JIT accepts the committed PTX (PTX ISA 8.0 came with CUDA 12.0). */
    public static final int MIN_DRIVER_VERSION = 12000;

    static CudaStatus usable(int deviceCount, int driverVersion) {
        return new CudaStatus(true, deviceCount, driverVersion, null);
    }

    static CudaStatus unusable(int driverVersion, String reason) {
        return new CudaStatus(false, 0, driverVersion, reason);
    }

    /** {@code 12.6} for 12060. */
    public static String versionText(int driverVersion) {
        return driverVersion / 1000 + "." + driverVersion % 1000 / 10;
    }

    /**
     * Fails unless device {@code index} exists, with the reason CUDA is unusable or the devices there are.
     *
     * @throws IllegalStateException naming {@code cuda:index} and the cause
     */
    public void requireDevice(int index) {
        if (!available) {
            throw new IllegalStateException("cannot use device cuda:" + index + ": " + reason);
        }
        if (index >= deviceCount) {
            throw new IllegalStateException("cannot use device cuda:" + index + ": no CUDA device " + index + " of "
                    + deviceCount + " (this process sees cuda:0" + (deviceCount > 1 ? " to cuda:" + (deviceCount - 1) : "")
                    + "; CUDA_VISIBLE_DEVICES and Spark's GPU assignment decide which)");
        }
    }

    @Override
    public String toString() {
        return available
                ? "CUDA available: " + deviceCount + " device(s), driver supports CUDA " + versionText(driverVersion)
                : "CUDA unavailable: " + reason;
    }
}
