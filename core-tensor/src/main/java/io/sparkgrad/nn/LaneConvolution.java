package io.sparkgrad.nn;

import io.sparkgrad.kernel.Conv2dGeometry;
import io.sparkgrad.kernel.LaneConv;
import io.sparkgrad.kernel.LaneLayout;
import io.sparkgrad.tensor.DType;
import io.sparkgrad.tensor.GradFn;
import io.sparkgrad.tensor.Intermediates;
import io.sparkgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * {@code conv2d} on the CPU with lanes over samples ({@link LaneConv}), the layout kept between convolutions: asked
 * to ({@code lanesOut}, only when the next module of a {@link Sequential} is a convolution), the output is a strided
 * NCHW view of a {@link LaneLayout} buffer, which that convolution reads in place; else the output is unpacked to
 * contiguous NCHW, as every other caller expects ({@code view} needs it). The input is taken in place when it is such
 * a view with a zero border as wide as the padding, else packed once. In the backward the input gradient goes back
 * the same way: as a view in lanes when the input was one, else NCHW.
 */
final class LaneConvolution {
    /**
     * The lane views this thread's convolutions handed out (weakly held, by identity): their border is zero by
     * construction (no view op reaches it), so the next convolution takes them without reading the border again
     * (a pass over as many floats as a quarter of the input, for a 14x14 image with a border of 1).
     */
    private static final ThreadLocal<Map<Tensor, Boolean>> PRODUCED = ThreadLocal.withInitial(WeakHashMap::new);

    private LaneConvolution() {
    }

    /**
     * @param own the input's layout when it is a lane view usable in place ({@link #inLanes}), else null
     * @param lanesOut return the output as a lane view, else as contiguous NCHW
     */
    static Tensor conv2d(Tensor x, LaneLayout own, Tensor weight, Tensor bias, Conv2dGeometry g, boolean relu,
            boolean lanesOut) {
        int lanes = LaneConv.lanes();
        int border = LaneConv.inputBorder(g);
        Tensor wc = Dense.of(weight, "conv2d", "weight");
        Tensor bc = bias == null ? null : Dense.of(bias, "conv2d", "bias");
        LaneLayout xl;
        float[] xa;
        Tensor packed = null;
        if (own != null) {
            xl = own;
            xa = x.data();
        } else {
            xl = LaneLayout.of(g.n(), g.c(), g.h(), g.w(), border, lanes);
            Tensor xd = Dense.of(x, "conv2d", "input");
            packed = Tensor.empty(xl.floats());
            xa = packed.data();
            LaneConv.pack(xd.data(), xd.storageOffset(), xl, xa);
        }
        // The output's border: this layer's padding, on the guess that the next layer pads alike (the tutorial's do).
        LaneLayout yl = LaneLayout.of(g.n(), g.o(), g.outH(), g.outW(), lanesOut ? border : 0, lanes);
        Tensor yBuf = Tensor.empty(yl.floats());
        float[] ya = yBuf.data();
        LaneConv.forward(g, xa, xl, wc.data(), wc.storageOffset(), bc == null ? null : bc.data(),
                bc == null ? 0 : bc.storageOffset(), ya, yl, relu);
        Tensor result;
        if (lanesOut) {
            result = view(yBuf, yl);
            PRODUCED.get().put(result, Boolean.TRUE);
        } else {
            result = Tensor.empty(g.outputShape());
            LaneConv.unpack(ya, yl, result.data(), 0);
        }
        // Without a ReLU the backward needs no output; with one it reads the signs from the lane buffer, which an
        // NCHW result does not share: then that buffer is kept for the backward like the packed input.
        Tensor laneOutput = relu && !lanesOut ? yBuf : null;
        String name = relu ? "conv2d_relu" : "conv2d";
        // Saved too: the op's own buffers, so that they go back once the backward pass is done (Intermediates), and a
        // second pass through a freed one fails instead of reading reused memory.
        List<Tensor> kept = new ArrayList<>(List.of(x, weight));
        if (relu) {
            kept.add(result);
        }
        if (packed != null) {
            kept.add(packed);
        }
        if (laneOutput != null) {
            kept.add(laneOutput);
        }
        Tensor[] saved = kept.toArray(new Tensor[0]);
        int[] xShape = x.shape();
        int[] wShape = weight.shape();
        boolean inPlace = own != null;
        Tensor packedInput = packed;
        Tensor input = x;
        Tensor out = GradFn.of(name, x, weight, bias).saving(saved).result(result, gradOut -> {
            LaneLayout gyl = gradOut.dtype() == DType.FLOAT32
                    ? LaneLayout.recognise(gradOut.shape(), gradOut.strides(), gradOut.storageOffset(),
                            gradOut.data().length, lanes)
                    : null;
            Tensor go = gyl != null ? gradOut : Dense.of(gradOut, name + " backward", "output gradient");
            Tensor gxBuf = x.requiresGrad() ? Tensor.empty(xl.floats()) : null;
            Tensor gwT = weight.requiresGrad() ? Tensor.zeros(wShape) : null;
            Tensor gbT = bias != null && bias.requiresGrad() ? Tensor.zeros(g.o()) : null;
            // Through the tensors, not the arrays captured above: a freed buffer then fails loudly.
            float[] xs = packedInput != null ? packedInput.data() : input.data();
            float[] ys = !relu ? null : laneOutput != null ? laneOutput.data() : yBuf.data();
            LaneConv.backward(g, xs, xl, wc.data(), wc.storageOffset(), go.data(), gyl == null ? go.storageOffset() : 0,
                    gyl, ys, relu ? yl : null, gxBuf == null ? null : gxBuf.data(),
                    gwT == null ? null : gwT.data(), 0, gbT == null ? null : gbT.data(), 0, false);
            Tensor gxT = null;
            if (gxBuf != null) {
                if (inPlace) {
                    gxT = view(gxBuf, xl);
                } else {
                    gxT = Tensor.empty(xShape);
                    LaneConv.unpack(gxBuf.data(), xl, gxT.data(), 0);
                }
            }
            return new Tensor[] {gxT, gwT, gbT};
        });
        // Read by no caller: back now without a graph, else once its backward pass is done.
        if (packed != null) {
            Intermediates.consumed(packed, out);
        }
        if (laneOutput != null) {
            Intermediates.consumed(laneOutput, out);
        } else if (!lanesOut) {
            Intermediates.released(yBuf);
        }
        return out;
    }

    /** {@code x}'s layout if it is a lane view whose border is zero and at least {@code border} wide, else null. */
    static LaneLayout inLanes(Tensor x, int border) {
        if (x.dtype() != DType.FLOAT32 || x.strides()[0] != 1) {
            return null;
        }
        LaneLayout l = LaneLayout.recognise(x.shape(), x.strides(), x.storageOffset(), x.data().length, LaneConv.lanes());
        return l != null && l.border() >= border && (PRODUCED.get().containsKey(x) || LaneConv.borderIsZero(x.data(), l))
                ? l : null;
    }

    /** The NCHW view of a buffer laid out as {@code l}. */
    private static Tensor view(Tensor buffer, LaneLayout l) {
        return buffer.view(l.c(), l.hp(), l.wp(), l.npad()).permute(3, 0, 1, 2).narrow(0, 0, l.n())
                .narrow(2, l.border(), l.h()).narrow(3, l.border(), l.w());
    }
}
