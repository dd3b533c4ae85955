/**
 * CPU kernels on raw {@code float[]} arrays with offsets: no tensors, no autograd. The autograd layer
 * ({@code io.sparkgrad.tensor}, {@code io.sparkgrad.nn}) calls them with contiguous buffers.
 *
 * <ul>
 *   <li>{@link io.sparkgrad.kernel.Parallelism}: the global intra-op thread count and the shared executor;
 *   <li>{@link io.sparkgrad.kernel.Gemm}: row-major SGEMM (Vector API, OpenBLAS or scalar backend);
 *   <li>{@link io.sparkgrad.kernel.Conv2dKernel} with {@link io.sparkgrad.kernel.Conv2dGeometry}: conv2d forward
 *       and gradients (stride, padding, dilation, groups);
 *   <li>{@link io.sparkgrad.kernel.MaxPool2dKernel}, {@link io.sparkgrad.kernel.AvgPool2dKernel} with
 *       {@link io.sparkgrad.kernel.Pool2dGeometry}, and {@link io.sparkgrad.kernel.AdaptiveAvgPool2dKernel};
 *   <li>{@link io.sparkgrad.kernel.BatchNorm2dKernel}: batch normalisation over {@code [n, c, s]} (statistics,
 *       normalisation, running statistics, gradients; training and eval), behind {@code F.batchNorm};
 *   <li>{@link io.sparkgrad.kernel.ReluKernel} and {@link io.sparkgrad.kernel.BiasKernel}: elementwise helpers.
 * </ul>
 *
 * <p>Conventions: images are NCHW; every array argument comes with its offset; a kernel checks that each operand
 * fits its array and throws {@link java.lang.IllegalArgumentException} naming the kernel, the operand and the
 * sizes otherwise. Outputs are overwritten; gradient kernels take {@code accumulate} to add into their outputs
 * instead (for gradients accumulated in place in a flat buffer). Kernels may split work over
 * {@link io.sparkgrad.kernel.Parallelism#numThreads()} threads and run inline when called from inside a parallel
 * region. They keep per-thread scratch buffers and allocate nothing per element.
 */
package io.sparkgrad.kernel;
