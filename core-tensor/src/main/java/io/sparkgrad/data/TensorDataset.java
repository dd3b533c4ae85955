package io.sparkgrad.data;

import io.sparkgrad.tensor.DType;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;

/**
 * A dataset over two tensors that share their first dimension, as {@code torch.utils.data.TensorDataset}: example
 * i is {@code (x[i], y[i])}. {@link #batch(int[])} gathers many rows at once with one array copy per row (one copy in
 * all for consecutive rows), which is what {@link DataLoader} uses instead of building per-sample objects.
 *
 * <p>Shape: x {@code [N, ...]}, y {@code [N, ...]} (e.g. images {@code [N, 784]} FLOAT32 and labels {@code [N]} INT32).
 */
public final class TensorDataset implements Dataset {
    private final Tensor x;
    private final Tensor y;
    private final int n;
    private final int xRow;
    private final int yRow;

    /**
     * Keeps (views of) the given tensors, detached from any graph; a non-contiguous tensor is copied once so that rows
     * can be copied as blocks.
     *
     * @throws IllegalArgumentException when either tensor is 0-dimensional or their first dimensions differ
     */
    public TensorDataset(Tensor x, Tensor y) {
        if (x.dim() == 0 || y.dim() == 0) {
            throw new IllegalArgumentException("TensorDataset needs tensors with a first (sample) dimension; got x of shape "
                    + Shape.format(x.shape()) + " and y of shape " + Shape.format(y.shape()));
        }
        if (x.size(0) != y.size(0)) {
            throw new IllegalArgumentException("Size mismatch between tensors: x has " + x.size(0) + " samples (shape " + Shape.format(x.shape())
                    + ") but y has " + y.size(0) + " (shape " + Shape.format(y.shape()) + "); their first dimensions must be equal");
        }
        try (var ignored = Tensor.noGrad()) {
            this.x = x.detach().contiguous();
            this.y = y.detach().contiguous();
        }
        this.n = x.size(0);
        this.xRow = n == 0 ? 0 : this.x.numel() / n;
        this.yRow = n == 0 ? 0 : this.y.numel() / n;
    }

    /** All inputs, {@code [N, ...]}. */
    public Tensor x() {
        return x;
    }

    /** All targets, {@code [N, ...]}. */
    public Tensor y() {
        return y;
    }

    @Override
    public int size() {
        return n;
    }

    /** {@code (x[index], y[index])} as views sharing the dataset's storage (no copy). */
    @Override
    public Example get(int index) {
        checkIndex(index);
        return new Example(x.narrow(0, index, 1).squeeze(0), y.narrow(0, index, 1).squeeze(0));
    }

    /** The rows at {@code indices}, in that order, copied into a fresh batch {@code [indices.length, ...]}. */
    public Batch batch(int[] indices) {
        return batch(indices, 0, indices.length);
    }

    /**
     * Rows {@code order[from], ..., order[from + count - 1]}, or rows {@code from ... from + count - 1} when
     * {@code order} is null, copied into a fresh batch.
     */
    Batch batch(int[] order, int from, int count) {
        boolean consecutive = true;
        if (order != null) {
            for (int i = 0; i < count; i++) {
                checkIndex(order[from + i]);
                consecutive &= order[from + i] == order[from] + i;
            }
        }
        int first = order == null ? from : count == 0 ? 0 : order[from];
        if (order == null && count > 0) {
            checkIndex(first);
            checkIndex(first + count - 1);
        }
        return new Batch(gather(x, xRow, order, from, count, consecutive, first), gather(y, yRow, order, from, count, consecutive, first));
    }

    private static Tensor gather(Tensor t, int row, int[] order, int from, int count, boolean consecutive, int first) {
        int[] shape = t.shape();
        shape[0] = count;
        int off = t.storageOffset();
        boolean ints = t.dtype() == DType.INT32;
        // System.arraycopy copies either element type, so one loop serves float and int rows.
        Object src = ints ? t.intData() : t.data();
        Object out = ints ? new int[count * row] : new float[count * row];
        if (consecutive) {
            System.arraycopy(src, off + first * row, out, 0, count * row);
        } else {
            for (int i = 0; i < count; i++) {
                System.arraycopy(src, off + order[from + i] * row, out, i * row, row);
            }
        }
        return ints ? Tensor.ofInts((int[]) out, shape) : Tensor.of((float[]) out, shape);
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= n) {
            throw new IndexOutOfBoundsException("index " + index + " is out of range for a TensorDataset of " + n + " samples");
        }
    }
}
