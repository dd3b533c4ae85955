package io.sparkgrad.nn;

import io.sparkgrad.tensor.Device;
import io.sparkgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * A tensor that a {@link Module} owns and an optimizer updates: a leaf that requires grad, sharing storage with the
 * tensor it was made from (as {@code torch.nn.Parameter}).
 */
public final class Parameter extends Tensor {

    public Parameter(Tensor data) {
        super(data.detach());
        requiresGrad(true);
    }

    /**
     * Re-points this parameter at a copy of its values (and gradient) on {@code device}; nothing happens when it is
     * there already. The object stays the same, as PyTorch's {@code module.to(device)} keeps its Parameters.
     */
    void moveTo(Device device) {
        if (device.equals(device())) {
            return;
        }
        Tensor g = grad();
        Tensor moved = detach().to(device);
        set_(moved);
        setGrad(g == null ? null : g.detach().to(device));
    }

    /**
     * Moves this parameter's values and gradient into {@code data[offset ...]} and {@code grad[offset ...]} (row-major,
     * this shape), copying the current values and gradient (zeros when it has none) there first. The object stays the
     * same, so a module field, a {@code parameters()} list or an optimizer holding it sees the new storage: how
     * {@link FlatParameters} packs a module.
     */
    void moveInto(float[] data, float[] grad, int offset) {
        int[] shape = shape();
        Tensor values = Tensor.wrap(data, offset, shape);
        Tensor gradView = Tensor.wrap(grad, offset, shape);
        System.arraycopy(toFloatArray(), 0, data, offset, numel());
        if (grad() != null) {
            System.arraycopy(grad().toFloatArray(), 0, grad, offset, numel());
        } else {
            Arrays.fill(grad, offset, offset + numel(), 0f);
        }
        set_(values);
        setGrad(gradView);
    }
}
