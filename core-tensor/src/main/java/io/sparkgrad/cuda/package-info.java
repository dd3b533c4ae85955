/**
 * The CUDA backend, through JCuda 12.6's driver API ({@code libcuda.so.1} is what every GPU host has; cuBLAS and the
 * runtime are not needed).
 *
 * <ul>
 *   <li><b>Detection</b> ({@link io.sparkgrad.cuda.CudaDetection}): probed once, on first question, cached with a reason
 *       (no libcuda, driver older than CUDA 12.0, no device). A CPU run never asks, so it loads no JCuda class.
 *       {@code io.sparkgrad.tensor.Devices} turns a refused {@code device=cuda} into an error with that reason; there is
 *       no fallback to the CPU.</li>
 *   <li><b>Kernels</b>: CUDA C in {@code core-tensor/src/main/cuda}, compiled by {@code scripts/build-ptx} to PTX ISA 8.0
 *       for {@code compute_75}, which CUDA 12 and 13 drivers both JIT; the PTX is committed under
 *       {@code resources/io/sparkgrad/cuda/ptx} with each source's hash. {@link io.sparkgrad.cuda.CudaKernel} lists every
 *       entry with its parameters; the in-house tiled SGEMM stands in for cuBLAS.</li>
 *   <li><b>Ops</b> ({@link io.sparkgrad.cuda.CudaOps}): the host logic of each op (shapes, launches, temporaries) over a
 *       {@link io.sparkgrad.cuda.KernelLauncher}.</li>
 *   <li><b>Sessions</b> ({@link io.sparkgrad.cuda.GpuSession}): one per run and device: the device's primary context,
 *       made current on the calling thread at every entry point (Spark's task threads are pooled), one stream, and a
 *       {@link io.sparkgrad.cuda.CachingAllocator} capped at the run's share of the GPU and emptied when the run ends.</li>
 * </ul>
 *
 * <p>What is checked where, with and without a GPU: {@code docs/gpu.md}. Not yet: tensors whose storage lives on the device ({@code Tensor.to(cuda)}, {@code Module.to(cuda)}), so the
 * engine's autograd does not call these ops yet; see issue 14.
 */
package io.sparkgrad.cuda;
