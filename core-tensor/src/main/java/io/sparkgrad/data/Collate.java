package io.sparkgrad.data;

import io.sparkgrad.tensor.DType;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;
import java.util.Arrays;

/** Stacks the examples of a generic {@link Dataset} into a {@link Batch} (PyTorch's default collate). */
final class Collate {
    private Collate() {
    }

    /** Examples {@code order[from ...]} (or {@code from ...} when order is null) stacked along a new first dimension. */
    static Batch examples(Dataset dataset, int[] order, int from, int count) {
        Example[] examples = new Example[count];
        for (int i = 0; i < count; i++) {
            int index = order == null ? from + i : order[from + i];
            examples[i] = dataset.get(index);
            if (examples[i] == null || examples[i].x() == null || examples[i].y() == null) {
                throw new IllegalStateException("dataset returned an incomplete example at index " + index + ": " + examples[i]);
            }
        }
        Tensor[] xs = new Tensor[count];
        Tensor[] ys = new Tensor[count];
        for (int i = 0; i < count; i++) {
            xs[i] = examples[i].x();
            ys[i] = examples[i].y();
        }
        return new Batch(stack(xs, "x", order, from), stack(ys, "y", order, from));
    }

    private static Tensor stack(Tensor[] items, String what, int[] order, int from) {
        if (items.length == 0) {
            throw new IllegalStateException("cannot collate an empty batch");
        }
        int[] itemShape = items[0].shape();
        DType dtype = items[0].dtype();
        int per = Shape.numel(itemShape);
        int[] shape = new int[itemShape.length + 1];
        shape[0] = items.length;
        System.arraycopy(itemShape, 0, shape, 1, itemShape.length);
        for (int i = 1; i < items.length; i++) {
            if (items[i].dtype() != dtype || !Arrays.equals(items[i].shape(), itemShape)) {
                int a = order == null ? from : order[from];
                int b = order == null ? from + i : order[from + i];
                throw new IllegalStateException("cannot stack examples into a batch: " + what + " of example " + a + " is " + dtype + " "
                        + Shape.format(itemShape) + " but " + what + " of example " + b + " is " + items[i].dtype() + " "
                        + Shape.format(items[i].shape()));
            }
        }
        if (dtype == DType.INT32) {
            int[] out = new int[items.length * per];
            for (int i = 0; i < items.length; i++) {
                System.arraycopy(items[i].toIntArray(), 0, out, i * per, per);
            }
            return Tensor.ofInts(out, shape);
        }
        float[] out = new float[items.length * per];
        for (int i = 0; i < items.length; i++) {
            Tensor t = items[i];
            if (t.isContiguous()) {
                System.arraycopy(t.data(), t.storageOffset(), out, i * per, per);
            } else {
                System.arraycopy(t.toFloatArray(), 0, out, i * per, per);
            }
        }
        return Tensor.of(out, shape);
    }
}
