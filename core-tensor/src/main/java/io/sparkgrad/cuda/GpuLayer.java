package io.sparkgrad.cuda;

import io.sparkgrad.cuda.CudaOps.Window;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One layer of a {@link GpuSequential}: its forward pass on device arrays, keeping what its backward pass needs, and
 * its backward pass, which adds its parameters' gradients into their slices of the flat gradient buffer and returns
 * the gradient of its input. A layer serves one pass at a time (a replica is used by one thread at a time).
 */
abstract class GpuLayer {

    /** Output of {@link #forward}; registers its new arrays with {@code pass}, which frees them when the step ends. */
    abstract DeviceArray forward(Pass pass, DeviceArray x);

    /** The gradient of the last forward's input from its output's gradient {@code gy}. */
    abstract DeviceArray backward(Pass pass, DeviceArray gy);

    /** One forward (and backward) pass: the ops, the modes, the step's seed and every array it made. */
    static final class Pass {
        final CudaOps ops;
        /** Dropout on: a training step (an evaluation draws no masks). */
        final boolean training;
        /**
         * Batch norm on the batch's statistics, folding them into the running ones: the module's training mode, as
         * {@code BatchNorm2d.forward} on the CPU (also for an evaluation in training mode).
         */
        final boolean batchStatistics;
        final long seed;
        private final List<DeviceArray> owned = new ArrayList<>();

        Pass(CudaOps ops, boolean training, boolean batchStatistics, long seed) {
            this.ops = ops;
            this.training = training;
            this.batchStatistics = batchStatistics;
            this.seed = seed;
        }

        /** Registers arrays made in this pass (nulls skipped) and returns the first. */
        DeviceArray own(DeviceArray first, DeviceArray... more) {
            owned.add(first);
            for (DeviceArray a : more) {
                owned.add(a);
            }
            return first;
        }

        /** Frees every array made in this pass (they go back to the caching allocator). */
        void release() {
            ops.free(owned.toArray(DeviceArray[]::new));
            owned.clear();
        }
    }

    /** A parameter's value and gradient: views of its slice of the flat buffers. */
    record Slot(DeviceArray value, DeviceArray grad) {
    }

    /**
     * A layer with a weight and an optional bias: {@code x @ w^T + b} over {@code [B, in]} without a window, a 2-D
     * convolution of one group and dilation 1 with one.
     */
    static final class Weighted extends GpuLayer {
        private final Slot weight;
        private final Slot bias;
        private final Window window;
        private DeviceArray x;

        /** {@code window} null for a linear layer. */
        Weighted(Slot weight, Slot bias, Window window) {
            this.weight = weight;
            this.bias = bias;
            this.window = window;
        }

        @Override
        DeviceArray forward(Pass pass, DeviceArray x) {
            this.x = x;
            DeviceArray b = bias == null ? null : bias.value();
            return pass.own(window == null ? pass.ops.linear(x, weight.value(), b) : pass.ops.conv2d(x, weight.value(), b, window));
        }

        @Override
        DeviceArray backward(Pass pass, DeviceArray gy) {
            DeviceArray gx;
            DeviceArray gw;
            DeviceArray gb;
            if (window == null) {
                CudaOps.LinearGrads g = pass.ops.linearBackward(x, weight.value(), gy, bias != null);
                gx = g.gx();
                gw = g.gw();
                gb = g.gb();
            } else {
                CudaOps.ConvGrads g = pass.ops.conv2dBackward(x, weight.value(), gy, window, bias != null);
                gx = g.gx();
                gw = g.gw();
                gb = g.gb();
            }
            pass.own(gx, gw, gb);
            pass.ops.axpy(1f, gw, weight.grad());
            if (bias != null) {
                pass.ops.axpy(1f, gb, bias.grad());
            }
            return gx;
        }
    }

    /** An elementwise activation. */
    static final class Activation extends GpuLayer {
        private final CudaOps.Unary op;
        private DeviceArray x;
        private DeviceArray y;

        Activation(CudaOps.Unary op) {
            this.op = op;
        }

        @Override
        DeviceArray forward(Pass pass, DeviceArray x) {
            this.x = x;
            this.y = pass.own(pass.ops.unary(op, x));
            return y;
        }

        @Override
        DeviceArray backward(Pass pass, DeviceArray gy) {
            return pass.own(pass.ops.unaryBackward(op, x, y, gy));
        }
    }

    /** Flatten: the same memory under another shape, both ways. */
    static final class Reshape extends GpuLayer {
        private final int startDim;
        private final int endDim;
        private int[] inShape;

        Reshape(int startDim, int endDim) {
            this.startDim = startDim;
            this.endDim = endDim;
        }

        @Override
        DeviceArray forward(Pass pass, DeviceArray x) {
            inShape = x.shape();
            return new DeviceArray(x.address(), flattened(inShape, startDim, endDim));
        }

        @Override
        DeviceArray backward(Pass pass, DeviceArray gy) {
            return new DeviceArray(gy.address(), inShape);
        }

        static int[] flattened(int[] shape, int startDim, int endDim) {
            int s = startDim < 0 ? startDim + shape.length : startDim;
            int e = endDim < 0 ? endDim + shape.length : endDim;
            if (s < 0 || e >= shape.length || s > e) {
                throw new IllegalArgumentException("Flatten(" + startDim + ", " + endDim + ") does not fit shape "
                        + Arrays.toString(shape));
            }
            int[] out = new int[shape.length - (e - s)];
            int at = 0;
            for (int d = 0; d < shape.length; d++) {
                if (d <= s || d > e) {
                    out[at++] = shape[d];
                } else {
                    out[at - 1] *= shape[d];
                }
            }
            return out;
        }
    }

    /** Max pooling, dilation 1. */
    static final class MaxPool extends GpuLayer {
        private final Window window;
        private int[] xShape;
        private DeviceArray indices;

        MaxPool(Window window) {
            this.window = window;
        }

        @Override
        DeviceArray forward(Pass pass, DeviceArray x) {
            xShape = x.shape();
            CudaOps.MaxPool p = pass.ops.maxPool2d(x, window);
            indices = p.indices();
            return pass.own(p.y(), indices);
        }

        @Override
        DeviceArray backward(Pass pass, DeviceArray gy) {
            return pass.own(pass.ops.maxPool2dBackward(gy, indices, xShape, window));
        }
    }

    /** Average pooling, padding counted; also adaptive pooling to an output size that divides the input's. */
    static final class AvgPool extends GpuLayer {
        private final Window window;
        private int[] xShape;

        AvgPool(Window window) {
            this.window = window;
        }

        @Override
        DeviceArray forward(Pass pass, DeviceArray x) {
            xShape = x.shape();
            return pass.own(pass.ops.avgPool2d(x, window));
        }

        @Override
        DeviceArray backward(Pass pass, DeviceArray gy) {
            return pass.own(pass.ops.avgPool2dBackward(gy, xShape, window));
        }
    }

    /**
     * {@code BatchNorm2d}: its weight and bias are parameter slots; its running mean and variance live on the device in
     * the executor's running-statistics buffer, updated in place by every pass on the batch's statistics, and its
     * {@code num_batches_tracked} is counted here on the host.
     */
    static final class BatchNorm extends GpuLayer {
        private final Slot weight;
        private final Slot bias;
        private final DeviceArray runningMean;
        private final DeviceArray runningVar;
        private final float momentum;
        private final float eps;
        long batchesTracked;
        private DeviceArray x;
        private CudaOps.BatchNorm saved;
        private boolean batchStatistics;

        BatchNorm(Slot weight, Slot bias, DeviceArray runningMean, DeviceArray runningVar, float momentum, float eps) {
            this.weight = weight;
            this.bias = bias;
            this.runningMean = runningMean;
            this.runningVar = runningVar;
            this.momentum = momentum;
            this.eps = eps;
        }

        @Override
        DeviceArray forward(Pass pass, DeviceArray x) {
            this.x = x;
            this.batchStatistics = pass.batchStatistics;
            saved = pass.ops.batchNorm(x, weight.value(), bias.value(), runningMean, runningVar, batchStatistics, momentum, eps);
            pass.own(saved.y(), saved.mean(), saved.invStd());
            if (batchStatistics) {
                batchesTracked++;
            }
            return saved.y();
        }

        @Override
        DeviceArray backward(Pass pass, DeviceArray gy) {
            CudaOps.BatchNormGrads g = pass.ops.batchNormBackward(x, gy, weight.value(), saved, batchStatistics);
            pass.own(g.gx(), g.gw(), g.gb());
            pass.ops.axpy(1f, g.gw(), weight.grad());
            pass.ops.axpy(1f, g.gb(), bias.grad());
            return g.gx();
        }
    }

    /**
     * Inverted dropout in training, the identity in evaluation. The mask is drawn on the device from the step's seed
     * and the layer's index, so a retried step draws the same mask; it is not the CPU engine's mask (that one comes
     * from a host generator).
     */
    static final class Dropout extends GpuLayer {
        private final float p;
        private final int index;
        private DeviceArray mask;

        Dropout(float p, int index) {
            this.p = p;
            this.index = index;
        }

        @Override
        DeviceArray forward(Pass pass, DeviceArray x) {
            if (!pass.training || p == 0f) {
                mask = null;
                return x;
            }
            CudaOps.Dropout d = pass.ops.dropout(x, p, seed(pass.seed, index));
            mask = d.mask();
            return pass.own(d.y(), mask);
        }

        @Override
        DeviceArray backward(Pass pass, DeviceArray gy) {
            return mask == null ? gy : pass.own(pass.ops.binary(CudaOps.Binary.MUL, gy, mask));
        }

        /** The kernel's 32-bit seed for layer {@code index} of a step seeded {@code seed} (SplitMix64's finaliser). */
        static int seed(long seed, int index) {
            long z = seed + 0x9E3779B97F4A7C15L * (index + 1L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return (int) (z ^ (z >>> 31));
        }
    }

    /** GELU, PyTorch's exact form; its backward reads the input. */
    static final class Gelu extends GpuLayer {
        private DeviceArray x;

        @Override
        DeviceArray forward(Pass pass, DeviceArray x) {
            this.x = x;
            return pass.own(pass.ops.gelu(x));
        }

        @Override
        DeviceArray backward(Pass pass, DeviceArray gy) {
            return pass.own(pass.ops.geluBackward(x, gy));
        }
    }

    /** LeakyReLU with its negative slope; its backward reads the input. */
    static final class LeakyRelu extends GpuLayer {
        private final float slope;
        private DeviceArray x;

        LeakyRelu(float slope) {
            this.slope = slope;
        }

        @Override
        DeviceArray forward(Pass pass, DeviceArray x) {
            this.x = x;
            return pass.own(pass.ops.leakyRelu(x, slope));
        }

        @Override
        DeviceArray backward(Pass pass, DeviceArray gy) {
            return pass.own(pass.ops.leakyReluBackward(x, gy, slope));
        }
    }

    /** Adaptive average pooling to an output size that does not divide the input's (overlapping windows). */
    static final class AdaptiveAvgPool extends GpuLayer {
        private final int outH;
        private final int outW;
        private int[] xShape;

        AdaptiveAvgPool(int outH, int outW) {
            this.outH = outH;
            this.outW = outW;
        }

        @Override
        DeviceArray forward(Pass pass, DeviceArray x) {
            xShape = x.shape();
            return pass.own(pass.ops.adaptiveAvgPool2d(x, outH, outW));
        }

        @Override
        DeviceArray backward(Pass pass, DeviceArray gy) {
            return pass.own(pass.ops.adaptiveAvgPool2dBackward(gy, xShape));
        }
    }
}
