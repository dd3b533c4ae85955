package io.sparkgrad.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * One run's use of one GPU: its context, stream, kernels and memory. Open one per run (a training, a trial, a Spark
 * task's share of a run) with try-with-resources; nothing is kept per thread or per JVM.
 *
 * <p><b>Contexts and threads.</b> The session uses the device's primary context ({@code cuDevicePrimaryCtxRetain}),
 * the one context per device and process that every thread can make current; it is reference-counted, so sessions of
 * concurrent runs on one device share it and the last {@link #close()} destroys it, with all its memory. A CUDA context
 * is current per thread, and Spark runs tasks on pooled threads that another task may have used with another device:
 * so every entry point ({@link #launch}, copies, {@link #synchronize}) first makes this session's context current on the
 * calling thread ({@code cuCtxSetCurrent}, a cheap call), and a task calls {@link #makeCurrent()} once at its start.
 * No thread-local state exists to go stale.
 *
 * <p><b>Streams.</b> One non-blocking stream per session: its kernels and copies run in order, and two sessions (two
 * trials packed on one GPU) overlap. Host copies are at the edges only: a minibatch in, the gradient, loss and counts out.
 *
 * <p><b>Memory.</b> A {@link CachingAllocator} per session, capped at the session's share of the GPU, returned at close.
 */
public final class GpuSession implements GpuContext {
    private static final String PTX = "/io/sparkgrad/cuda/ptx/";

    private final int index;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<CudaKernel, CUfunction> functions = new EnumMap<>(CudaKernel.class);
    private final CachingAllocator allocator;
    private boolean closed;

    private GpuSession(int index, long memoryLimitBytes) {
        this.index = index;
        check(JCudaDriver.cuDeviceGet(device, index), "cuDeviceGet(" + index + ")");
        check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain(cuda:" + index + ")");
        makeCurrent();
        check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        this.allocator = new CachingAllocator("cuda:" + index, new JCudaRawMemory(), memoryLimitBytes);
    }

    /**
     * Opens a session on {@code cuda:index}, failing with the reason when CUDA or that device is not usable.
     *
     * @param memoryLimitBytes the most device memory this session may hold, {@code Long.MAX_VALUE} for no cap; a run that
     *                         shares the GPU with others (fractional {@code spark.task.resource.gpu.amount}) passes its share
     */
    public static GpuSession open(int index, long memoryLimitBytes) {
        CudaDetection.status().requireDevice(index);
        return new GpuSession(index, memoryLimitBytes);
    }

    /**
     * Opens a session on {@code cuda:index} that may hold at most {@code share} of the device's memory
     * ({@link CachingAllocator#shareLimit}): the run's part of a GPU that Spark packs several tasks on
     * ({@code spark.task.resource.gpu.amount} below 1).
     *
     * @param share a fraction of the GPU in (0, 1]
     */
    public static GpuSession openShare(int index, double share) {
        CudaDetection.status().requireDevice(index);
        CUdevice device = new CUdevice();
        check(JCudaDriver.cuDeviceGet(device, index), "cuDeviceGet(" + index + ")");
        long[] total = new long[1];
        check(JCudaDriver.cuDeviceTotalMem(total, device), "cuDeviceTotalMem(cuda:" + index + ")");
        return new GpuSession(index, CachingAllocator.shareLimit(share, total[0]));
    }

    @Override
    public String name() {
        return "cuda:" + index;
    }

    /** Makes this session's context current on the calling thread; a Spark task calls it first, on whatever thread. */
    @Override
    public void makeCurrent() {
        if (closed) {
            throw new IllegalStateException("the cuda:" + index + " session is closed");
        }
        check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent(cuda:" + index + ")");
    }

    @Override
    public CachingAllocator allocator() {
        return allocator;
    }

    @Override
    public void launch(CudaKernel kernel, Launch launch, Object... args) {
        kernel.checkArgs(args);
        makeCurrent();
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = switch (kernel.params().charAt(i)) {
                case 'p' -> Pointer.to(new long[] {(Long) args[i]});
                case 'i' -> Pointer.to(new int[] {(Integer) args[i]});
                default -> Pointer.to(new float[] {(Float) args[i]});
            };
        }
        check(JCudaDriver.cuLaunchKernel(function(kernel), launch.gridX(), launch.gridY(), 1, launch.block(), 1, 1,
                launch.sharedBytes(), stream, Pointer.to(params), null), "cuLaunchKernel(" + kernel.entry() + ")");
    }

    @Override
    public void copyIn(float[] host, long address) {
        copyIn(Pointer.to(host), (long) host.length * Float.BYTES, address);
    }

    @Override
    public void copyIn(int[] host, long address) {
        copyIn(Pointer.to(host), (long) host.length * Integer.BYTES, address);
    }

    private void copyIn(Pointer host, long bytes, long address) {
        makeCurrent();
        check(JCudaDriver.cuMemcpyHtoDAsync(pointer(address), host, bytes, stream), "cuMemcpyHtoDAsync");
        // The host array must not change before the copy ran: wait (copies are at the edges, once a step).
        synchronize();
    }

    @Override
    public void copyOut(long address, float[] host) {
        makeCurrent();
        check(JCudaDriver.cuMemcpyDtoHAsync(Pointer.to(host), pointer(address), (long) host.length * Float.BYTES, stream),
                "cuMemcpyDtoHAsync");
        synchronize();
    }

    /** Waits for everything queued on this session's stream. */
    public void synchronize() {
        makeCurrent();
        check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize(cuda:" + index + ")");
    }

    private CUfunction function(CudaKernel kernel) {
        CUfunction f = functions.get(kernel);
        if (f == null) {
            CUmodule module = modules.computeIfAbsent(kernel.module(), this::loadModule);
            f = new CUfunction();
            check(JCudaDriver.cuModuleGetFunction(f, module, kernel.entry()), "cuModuleGetFunction(" + kernel.entry() + ")");
            functions.put(kernel, f);
        }
        return f;
    }

    private CUmodule loadModule(String name) {
        byte[] ptx;
        try (InputStream in = GpuSession.class.getResourceAsStream(PTX + name + ".ptx")) {
            if (in == null) {
                throw new IllegalStateException("missing PTX resource " + PTX + name + ".ptx: run scripts/build-ptx");
            }
            byte[] text = in.readAllBytes();
            ptx = Arrays.copyOf(text, text.length + 1); // the driver reads a NUL-terminated string
        } catch (IOException e) {
            throw new IllegalStateException("cannot read PTX resource " + name, e);
        }
        CUmodule module = new CUmodule();
        int rc = JCudaDriver.cuModuleLoadData(module, ptx);
        if (rc == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
            throw new IllegalStateException("the NVIDIA driver cannot read " + name + ".ptx (PTX ISA 8.0, needs a CUDA 12.0+ "
                    + "driver; this one supports CUDA " + CudaStatus.versionText(CudaDetection.status().driverVersion()) + ")");
        }
        check(rc, "cuModuleLoadData(" + name + ".ptx)");
        return module;
    }

    /**
     * Ends the session: waits for the stream, returns all memory, unloads the kernels and releases the primary context.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        makeCurrent();
        try {
            check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
        } finally {
            allocator.close();
            JCudaDriver.cuStreamDestroy(stream);
            for (CUmodule m : modules.values()) {
                JCudaDriver.cuModuleUnload(m);
            }
            closed = true;
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
        }
    }

    static void check(int rc, String what) {
        if (rc != CUresult.CUDA_SUCCESS) {
            throw new IllegalStateException(what + " failed with " + CUresult.stringFor(rc) + " (" + rc + ")");
        }
    }

    /** A driver pointer to a raw device address (JCuda adds the byte offset to a null base). */
    static CUdeviceptr pointer(long address) {
        return new CUdeviceptr().withByteOffset(address);
    }

    /** The raw address of a block that {@code cuMemAlloc} wrote into an {@link AddressablePointer}. */
    static long address(CUdeviceptr p) {
        if (!(p instanceof AddressablePointer a)) {
            throw new IllegalArgumentException("allocate into an AddressablePointer to read its address");
        }
        return a.address();
    }

    /** A {@link CUdeviceptr} whose address can be read (JCuda keeps it in a protected field). */
    static final class AddressablePointer extends CUdeviceptr {
        long address() {
            return getNativePointer() + getByteOffset();
        }
    }
}
