package io.sparkgrad.tensor;

import java.util.Arrays;
import java.util.List;

/**
 * A float32 (or int32) n-dimensional array with reverse-mode automatic differentiation, in the manner of
 * {@code torch.Tensor}.
 *
 * <p>A tensor is a view (shape, strides, offset) of a {@link Storage}; views made by {@link #view}, {@link #transpose},
 * {@link #narrow} and friends share their storage. Operations return new tensors; when grad mode is on and an input
 * {@link #requiresGrad() requires grad}, the result records how it was made ({@link GradFn}), and {@link #backward()}
 * walks that graph in reverse, accumulating gradients into the {@link #grad() grad} of every leaf that requires one.
 */
public class Tensor {
    // Storage, offset and strides change only through set_ (a Parameter moved into a flat buffer); shape and dtype never.
    private Storage storage;
    private int offset;
    private final int[] shape;
    private int[] strides;
    private final DType dtype;

    private boolean requiresGrad;
    private Tensor grad;
    private GradFn gradFn;

    /**
     * A new handle on the same storage and geometry as {@code other}, without its graph: what a subclass such as
     * {@code nn.Parameter} uses to become a leaf that shares the data it was made from.
     */
    protected Tensor(Tensor other) {
        this(other.storage, other.offset, other.shape, other.strides, other.dtype);
    }

    Tensor(Storage storage, int offset, int[] shape, int[] strides, DType dtype) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
        this.dtype = dtype;
    }

    // ------------------------------------------------------------------------------------------------ creation

    /** Wraps {@code data} (row-major, not copied) as a float tensor of the given shape. */
    public static Tensor of(float[] data, int... shape) {
        return wrap(data, 0, shape);
    }

    /** A contiguous view of {@code storage[offset ...]} with the given shape: how parameters live in one flat buffer. */
    public static Tensor wrap(float[] storage, int offset, int... shape) {
        int n = Shape.numel(shape);
        if (offset < 0 || offset + n > storage.length) {
            throw new IllegalArgumentException("a tensor of shape " + Shape.format(shape) + " (" + n + " elements) at offset " + offset
                    + " does not fit in an array of " + storage.length + " floats");
        }
        return new Tensor(new Storage(storage), offset, shape.clone(), Shape.contiguousStrides(shape), DType.FLOAT32);
    }

    /** Wraps {@code data} (row-major, not copied) as an int tensor, e.g. class labels. */
    public static Tensor ofInts(int[] data, int... shape) {
        int n = Shape.numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Shape.format(shape) + " needs " + n + " ints, got " + data.length);
        }
        return new Tensor(new Storage(data), 0, shape.clone(), Shape.contiguousStrides(shape), DType.INT32);
    }

    /** A 1-D float tensor holding a copy of {@code values}. */
    public static Tensor vector(float... values) {
        return of(values.clone(), values.length);
    }

    /** A 0-dimensional tensor holding {@code value}. */
    public static Tensor scalar(float value) {
        return of(new float[] {value});
    }

    /** A float tensor of zeros. In a backward pass its memory may be a recycled gradient's ({@link BackwardFn}). */
    public static Tensor zeros(int... shape) {
        return pooled(shape, true);
    }

    /**
     * A float tensor whose values the caller will overwrite, as {@code torch.empty}: zeros when freshly allocated, but
     * in a backward pass its memory may be a recycled gradient's with that pass's numbers in it ({@link BackwardFn}).
     */
    public static Tensor empty(int... shape) {
        return pooled(shape, false);
    }

    private static Tensor pooled(int[] shape, boolean zero) {
        int n = Shape.numel(shape);
        return new Tensor(GradBuffers.current().storage(n, zero), 0, shape.clone(), Shape.contiguousStrides(shape), DType.FLOAT32);
    }

    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    public static Tensor full(float value, int... shape) {
        float[] data = new float[Shape.numel(shape)];
        Arrays.fill(data, value);
        return of(data, shape);
    }

    /** A float tensor of zeros with the shape of {@code like}. */
    public static Tensor zerosLike(Tensor like) {
        return zeros(like.shape);
    }

    /** {@code [0, 1, ..., n-1]} as floats. */
    public static Tensor arange(int n) {
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = i;
        }
        return of(data, n);
    }

    /** Uniform samples in [0, 1) from {@code gen}. */
    public static Tensor rand(Generator gen, int... shape) {
        float[] data = new float[Shape.numel(shape)];
        for (int i = 0; i < data.length; i++) {
            data[i] = gen.nextFloat();
        }
        return of(data, shape);
    }

    /** Standard normal samples from {@code gen}. */
    public static Tensor randn(Generator gen, int... shape) {
        float[] data = new float[Shape.numel(shape)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) gen.nextGaussian();
        }
        return of(data, shape);
    }

    /** Standard normal samples from the global generator. */
    public static Tensor randn(int... shape) {
        return randn(Generator.global(), shape);
    }

    /** Concatenates tensors along an existing dimension. */
    public static Tensor cat(List<Tensor> tensors, int dim) {
        return Indexing.cat(tensors, dim);
    }

    /** Stacks equally shaped tensors along a new dimension. */
    public static Tensor stack(List<Tensor> tensors, int dim) {
        return Indexing.stack(tensors, dim);
    }

    /** Turns gradient recording off on this thread until the returned scope is closed. */
    public static GradMode.Scope noGrad() {
        return new GradMode.Scope(false);
    }

    /** Turns gradient recording on on this thread until the returned scope is closed. */
    public static GradMode.Scope enableGrad() {
        return new GradMode.Scope(true);
    }

    // ------------------------------------------------------------------------------------------------ information

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /**
     * Whether {@code other} has this shape: without the copies {@link #shape()} makes (backward checks every
     * gradient's shape, and gradient accumulation every addition's).
     */
    boolean sameShape(Tensor other) {
        return Arrays.equals(shape, other.shape);
    }

    /** A copy of the strides (in elements). */
    public int[] strides() {
        return strides.clone();
    }

    public int dim() {
        return shape.length;
    }

    /** The size of dimension {@code d}; negative {@code d} counts from the end. */
    public int size(int d) {
        return shape[Shape.wrapDim(d, shape.length)];
    }

    public int numel() {
        return Shape.numel(shape);
    }

    public DType dtype() {
        return dtype;
    }

    /** Where the storage lives: the CPU, or the CUDA device of a tensor moved there with {@link #to}. */
    public Device device() {
        return storage.device == null ? Device.CPU : storage.device.backend.device();
    }

    /**
     * This tensor on {@code device}: itself when it is there already, else a copy there (differentiable: the gradient
     * flows back to this device). Moving to CUDA opens the device's backend at the first use, and fails with the reason
     * where CUDA is not usable ({@link Devices#require}).
     */
    public Tensor to(Device device) {
        Device from = device();
        if (device.equals(from)) {
            return this;
        }
        Tensor out = from.kind() == Device.Kind.CPU ? CudaTensors.toDevice(this, device)
                : device.kind() == Device.Kind.CPU ? CudaTensors.toHost(this) : CudaTensors.toDevice(CudaTensors.toHost(this), device);
        if (dtype != DType.FLOAT32) {
            return out;
        }
        return GradFn.of("to", this).result(out, g -> new Tensor[] {g.to(from)});
    }

    /** This tensor in host memory: {@code to(Device.CPU)}. */
    public Tensor cpu() {
        return to(Device.CPU);
    }

    /** This tensor on {@code cuda:0}: {@code to(Device.cuda(0))}. */
    public Tensor cuda() {
        return to(Device.cuda(0));
    }

    /** Offset of element [0,...,0] in {@link #data()}. */
    public int storageOffset() {
        return offset;
    }

    /**
     * The backing float array, shared with every view of this storage; element [i,j,...] is at
     * {@code storageOffset() + i*strides[0] + j*strides[1] + ...}. Prefer {@link #toFloatArray()} unless you mean to
     * read or write the storage itself (kernels, flat parameter buffers).
     */
    public float[] data() {
        requireFloat("data()");
        return liveFloats();
    }

    /** The float array, unless its memory was handed back for reuse. */
    private float[] liveFloats() {
        requireHost("its float array");
        if (storage.freed) {
            throw new IllegalStateException("this tensor's memory was reused (shape " + Shape.format(shape) + "): it was a "
                    + "gradient of a finished backward pass, or an intermediate activation freed by one; copy it before then to keep it");
        }
        return storage.floats;
    }

    /** The backing int array of an int tensor (see {@link #data()}). */
    public int[] intData() {
        requireInt("intData()");
        requireHost("intData()");
        return storage.ints;
    }

    /**
     * Fails for a tensor on a CUDA device, as PyTorch's {@code numpy()} does: its elements are not in host memory, and
     * an op that reached here has no CUDA implementation.
     */
    private void requireHost(String what) {
        if (storage.device != null) {
            throw new IllegalStateException("can't read " + what + " of a tensor on " + device() + " (shape " + Shape.format(shape)
                    + ") from host memory: an op without a CUDA implementation, or a host accessor, reached it. Use cpu() to "
                    + "copy the tensor to host memory first.");
        }
    }

    Storage storage() {
        return storage;
    }

    /** The version of the storage, bumped by every in-place change. */
    public int version() {
        return storage.version();
    }

    /**
     * Tells autograd that this tensor's storage was written directly (through {@link #data()}), as every in-place op
     * does by bumping the storage version: a graph that saved this tensor then refuses to run backward with the new
     * values instead of silently using them.
     */
    public void markModified() {
        storage.bumpVersion();
    }

    public boolean isContiguous() {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** The value of a one-element tensor. */
    public float item() {
        if (numel() != 1) {
            throw new IllegalStateException("a Tensor with " + numel() + " elements cannot be converted to a scalar (shape "
                    + Shape.format(shape) + ")");
        }
        if (storage.device != null) {
            // As PyTorch's item(): one element copied to the host (waiting for the queued work).
            return CudaTensors.toHost(this).item();
        }
        return dtype == DType.INT32 ? storage.ints[offset] : liveFloats()[offset];
    }

    /** The float element at the given index. */
    public float getFloat(int... index) {
        requireHost("an element");
        int p = position(index);
        return dtype == DType.INT32 ? storage.ints[p] : liveFloats()[p];
    }

    /** The int element at the given index of an int tensor. */
    public int getInt(int... index) {
        requireInt("getInt");
        requireHost("an element");
        return storage.ints[position(index)];
    }

    private int position(int[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " does not match a tensor of shape " + Shape.format(shape));
        }
        int p = offset;
        for (int i = 0; i < index.length; i++) {
            int k = index[i] < 0 ? index[i] + shape[i] : index[i];
            if (k < 0 || k >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + index[i] + " is out of bounds for dimension " + i + " with size " + shape[i]);
            }
            p += k * strides[i];
        }
        return p;
    }

    /** A fresh row-major copy of the elements as floats. */
    public float[] toFloatArray() {
        requireHost("toFloatArray()");
        float[] out = new float[numel()];
        if (dtype == DType.INT32) {
            int[] ints = toIntArray();
            for (int i = 0; i < ints.length; i++) {
                out[i] = ints[i];
            }
            return out;
        }
        if (isContiguous()) {
            System.arraycopy(liveFloats(), offset, out, 0, out.length);
        } else {
            Strided.gather(liveFloats(), offset, shape, strides, out, 0);
        }
        return out;
    }

    /** A fresh row-major copy of the elements of an int tensor. */
    public int[] toIntArray() {
        requireInt("toIntArray");
        requireHost("toIntArray()");
        int[] out = new int[numel()];
        if (isContiguous()) {
            System.arraycopy(storage.ints, offset, out, 0, out.length);
        } else {
            Strided.gather(storage.ints, offset, shape, strides, out, 0);
        }
        return out;
    }

    void requireFloat(String op) {
        if (dtype != DType.FLOAT32) {
            throw new IllegalArgumentException(op + " expects a FLOAT32 tensor, got " + dtype + " of shape " + Shape.format(shape));
        }
    }

    void requireInt(String op) {
        if (dtype != DType.INT32) {
            throw new IllegalArgumentException(op + " expects an INT32 tensor, got " + dtype + " of shape " + Shape.format(shape));
        }
    }

    // ------------------------------------------------------------------------------------------------ autograd

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf as needing a gradient (or not); returns this, as PyTorch's {@code requires_grad_()} does. */
    public Tensor requiresGrad(boolean flag) {
        if (gradFn != null && !flag) {
            throw new IllegalStateException("you can only change requiresGrad of leaf tensors; use detach() to get a tensor without a graph");
        }
        if (flag && dtype != DType.FLOAT32) {
            throw new IllegalArgumentException("only FLOAT32 tensors can require gradients, got " + dtype);
        }
        this.requiresGrad = flag;
        return this;
    }

    /** The accumulated gradient, or null before the first backward pass that reaches this leaf. */
    public Tensor grad() {
        return grad;
    }

    /** Replaces the gradient tensor (e.g. with a view into a flat gradient buffer), or clears it with null. */
    public void setGrad(Tensor grad) {
        if (grad != null && !Arrays.equals(grad.shape, shape)) {
            throw new IllegalArgumentException("assigned grad has shape " + Shape.format(grad.shape) + " but the tensor has shape "
                    + Shape.format(shape));
        }
        this.grad = grad;
    }

    /** True for tensors made by the user rather than by a recorded operation. */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** The operation that made this tensor, or null for a leaf. */
    public GradFn gradFn() {
        return gradFn;
    }

    void attach(GradFn fn) {
        this.gradFn = fn;
        this.requiresGrad = true;
    }

    /** Back-propagates from this one-element tensor (a loss), as {@code loss.backward()}. */
    public void backward() {
        if (numel() != 1) {
            throw new IllegalStateException("grad can be implicitly created only for scalar outputs (shape " + Shape.format(shape)
                    + "); pass an upstream gradient to backward(Tensor)");
        }
        backward(storage.device == null ? Tensor.full(1f, shape) : CudaTensors.full(storage.device.backend, 1f, shape));
    }

    /** Back-propagates {@code upstream} (the gradient of some scalar with respect to this tensor). */
    public void backward(Tensor upstream) {
        Backprop.run(this, upstream);
    }

    /**
     * The gradients of {@code output} with respect to {@code inputs}, given the gradient of some scalar with respect
     * to {@code output}, as {@code torch.autograd.grad(output, inputs, gradOutput)}: no leaf's {@link #grad()}
     * changes, and the walk does not go past the inputs (which may be intermediate results, not only leaves). An
     * input that {@code output} does not depend on gets null. A gradient may share memory with {@code gradOutput}
     * (when an input is {@code output} itself, or a view of it).
     *
     * @throws IllegalArgumentException if an input does not require grad
     */
    public static Tensor[] gradients(Tensor output, Tensor gradOutput, Tensor... inputs) {
        return Backprop.gradients(output, gradOutput, inputs);
    }

    /** A tensor sharing this storage but cut from the graph. */
    public Tensor detach() {
        return new Tensor(storage, offset, shape, strides, dtype);
    }

    /**
     * Re-points this leaf at {@code source}'s storage, offset and strides, keeping the object, as PyTorch's
     * {@code Tensor.set_(source)} for a source of the same shape: how {@code nn.FlatParameters} moves a Parameter into
     * a flat buffer while every module field and optimizer that holds the Parameter keeps holding it. The values are
     * not copied; views taken of this tensor before the call keep the old storage. Call it between steps, not while a
     * recorded graph still reads this tensor.
     */
    protected final void set_(Tensor source) {
        if (!Arrays.equals(source.shape, shape) || source.dtype != dtype) {
            throw new IllegalArgumentException("set_: the source is " + source.dtype + " of shape " + Shape.format(source.shape)
                    + " but this tensor is " + dtype + " of shape " + Shape.format(shape));
        }
        if (gradFn != null) {
            throw new IllegalStateException("set_: only a leaf tensor can be re-pointed at another storage; this one was made by "
                    + gradFn.name());
        }
        this.storage = source.storage;
        this.offset = source.offset;
        this.strides = source.strides.clone();
    }

    /** Accumulates {@code g} into this leaf's grad, in place when a grad tensor already exists. */
    void accumulateGrad(Tensor g) {
        if (grad == null) {
            grad = g.isContiguous() && g.storage != storage ? g.detach() : g.contiguous().copyDetached();
            // The leaf keeps it: it is the user's from now on, never recycled.
            grad.storage.recyclable = false;
            return;
        }
        grad.addInPlaceRaw(g);
    }

    private Tensor copyDetached() {
        if (storage.device != null) {
            return CudaTensors.contiguous(this);
        }
        return Tensor.of(toFloatArray(), shape);
    }

    // ------------------------------------------------------------------------------------------------ views

    Tensor viewOf(int newOffset, int[] newShape, int[] newStrides) {
        return new Tensor(storage, newOffset, newShape, newStrides, dtype);
    }

    /** Same data, new shape (one dimension may be -1); requires a contiguous tensor, as PyTorch's view does. */
    public Tensor view(int... newShape) {
        return Views.view(this, newShape);
    }

    /** Like {@link #view}, copying first when the tensor is not contiguous. */
    public Tensor reshape(int... newShape) {
        return isContiguous() ? view(newShape) : contiguous().view(newShape);
    }

    /** Flattens dimensions {@code start..end} (inclusive, negative counts from the end) into one. */
    public Tensor flatten(int start, int end) {
        return Views.flatten(this, start, end);
    }

    /** Flattens everything into one dimension. */
    public Tensor flatten() {
        return flatten(0, -1);
    }

    public Tensor transpose(int d0, int d1) {
        return Views.transpose(this, d0, d1);
    }

    /** The transpose of a 2-D tensor. */
    public Tensor t() {
        if (dim() != 2) {
            throw new IllegalArgumentException("t() expects a 2-D tensor, got shape " + Shape.format(shape));
        }
        return transpose(0, 1);
    }

    public Tensor permute(int... dims) {
        return Views.permute(this, dims);
    }

    /** The slice {@code [start, start+length)} of dimension {@code dim}, sharing storage. */
    public Tensor narrow(int dim, int start, int length) {
        return Views.narrow(this, dim, start, length);
    }

    /** Removes dimension {@code dim}, which must have size 1. */
    public Tensor squeeze(int dim) {
        return Views.squeeze(this, dim);
    }

    /** Inserts a dimension of size 1 at {@code dim}. */
    public Tensor unsqueeze(int dim) {
        return Views.unsqueeze(this, dim);
    }

    /** This tensor if contiguous, else a contiguous copy (differentiable). */
    public Tensor contiguous() {
        return isContiguous() ? this : Views.copy(this);
    }

    /** A contiguous copy that shares nothing with this tensor (differentiable). */
    public Tensor copy() {
        return Views.copy(this);
    }

    // ------------------------------------------------------------------------------------------------ math

    public Tensor add(Tensor other) {
        return Elementwise.binary(Elementwise.ADD, this, other);
    }

    public Tensor sub(Tensor other) {
        return Elementwise.binary(Elementwise.SUB, this, other);
    }

    public Tensor mul(Tensor other) {
        return Elementwise.binary(Elementwise.MUL, this, other);
    }

    public Tensor div(Tensor other) {
        return Elementwise.binary(Elementwise.DIV, this, other);
    }

    public Tensor add(float value) {
        return Elementwise.affine(this, 1f, value);
    }

    public Tensor sub(float value) {
        return Elementwise.affine(this, 1f, -value);
    }

    public Tensor mul(float value) {
        return Elementwise.affine(this, value, 0f);
    }

    public Tensor div(float value) {
        return Elementwise.affine(this, 1f / value, 0f);
    }

    public Tensor neg() {
        return Elementwise.affine(this, -1f, 0f);
    }

    public Tensor exp() {
        return Elementwise.unary(Elementwise.EXP, this);
    }

    public Tensor log() {
        return Elementwise.unary(Elementwise.LOG, this);
    }

    public Tensor sqrt() {
        return Elementwise.unary(Elementwise.SQRT, this);
    }

    public Tensor relu() {
        return Elementwise.unary(Elementwise.RELU, this);
    }

    public Tensor sigmoid() {
        return Elementwise.unary(Elementwise.SIGMOID, this);
    }

    public Tensor tanh() {
        return Elementwise.unary(Elementwise.TANH, this);
    }

    public Tensor abs() {
        return Elementwise.unary(Elementwise.ABS, this);
    }

    public Tensor pow(float exponent) {
        return Elementwise.pow(this, exponent);
    }

    /** Matrix product: 2-D x 2-D, or batched 3-D x 3-D (a 2-D right operand is shared across the batch). */
    public Tensor matmul(Tensor other) {
        return MatMul.matmul(this, other);
    }

    /** Sum of all elements (a scalar). */
    public Tensor sum() {
        return Reductions.sumAll(this);
    }

    public Tensor sum(int dim, boolean keepdim) {
        return Reductions.sum(this, dim, keepdim);
    }

    /** Mean of all elements (a scalar). */
    public Tensor mean() {
        return Reductions.sumAll(this).div(numel());
    }

    public Tensor mean(int dim, boolean keepdim) {
        return Reductions.sum(this, dim, keepdim).div(size(dim));
    }

    /** Maximum over {@code dim} (values; the gradient flows to the first maximal element). */
    public Tensor max(int dim, boolean keepdim) {
        return Reductions.max(this, dim, keepdim);
    }

    /** Index of the maximum over {@code dim} (INT32, the first one on ties). */
    public Tensor argmax(int dim) {
        return Reductions.argmax(this, dim);
    }

    /** Elementwise equality, as floats 0/1 (works for int and float tensors of equal shape). */
    public Tensor eq(Tensor other) {
        return Indexing.eq(this, other);
    }

    /** {@code out[i][j] = this[i][index[i][j]]} for dim 1 (and the analogue for other dims). */
    public Tensor gather(int dim, Tensor index) {
        return Indexing.gather(this, dim, index);
    }

    /** The rows (dim-0 entries) at the given positions, as a new tensor (differentiable). */
    public Tensor indexSelect(int[] rows) {
        return Indexing.indexSelect(this, rows);
    }

    /**
     * Sums this (a gradient of a broadcast result) down to {@code target}, the shape of the broadcast input: the
     * reduction that the backward of every broadcasting op needs.
     */
    public Tensor sumTo(int... target) {
        return Reductions.sumTo(this, target);
    }

    // ------------------------------------------------------------------------------------------------ in place

    /** {@code this += other} (broadcast to this shape). */
    public Tensor add_(Tensor other) {
        return add_(other, 1f);
    }

    /** {@code this += alpha * other} (broadcast to this shape). */
    public Tensor add_(Tensor other, float alpha) {
        checkInPlace("add_");
        InPlace.axpy(this, other, alpha);
        return this;
    }

    /** {@code this -= other}. */
    public Tensor sub_(Tensor other) {
        return add_(other, -1f);
    }

    /** {@code this *= value}. */
    public Tensor mul_(float value) {
        checkInPlace("mul_");
        InPlace.scale(this, value);
        return this;
    }

    /** Sets every element to zero. */
    public Tensor zero_() {
        return fill_(0f);
    }

    public Tensor fill_(float value) {
        checkInPlace("fill_");
        InPlace.fill(this, value);
        return this;
    }

    /** Copies {@code src} (broadcast to this shape) into this tensor's storage. */
    public Tensor copy_(Tensor src) {
        checkInPlace("copy_");
        InPlace.copy(this, src);
        return this;
    }

    private void checkInPlace(String op) {
        requireFloat(op);
        if (requiresGrad && gradFn == null && GradMode.isEnabled()) {
            throw new IllegalStateException("a leaf Variable that requires grad is being used in an in-place operation (" + op
                    + "); wrap the update in Tensor.noGrad()");
        }
        if (gradFn != null && GradMode.isEnabled()) {
            throw new IllegalStateException("in-place " + op + " on a tensor that is part of the autograd graph is not supported; "
                    + "use the out-of-place op");
        }
    }

    /** Adds {@code g} into this tensor's storage without autograd checks (gradient accumulation). */
    void addInPlaceRaw(Tensor g) {
        InPlace.axpy(this, g, 1f);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("tensor(");
        int n = numel();
        // A device tensor prints as PyTorch's does: its values copied to the host, and its device.
        Tensor host = storage.device == null ? this : CudaTensors.toHost(this);
        float[] values = dtype == DType.FLOAT32 ? host.toFloatArray() : null;
        int[] ints = dtype == DType.INT32 ? host.toIntArray() : null;
        sb.append('[');
        for (int i = 0; i < Math.min(n, 8); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(values != null ? Float.toString(values[i]) : Integer.toString(ints[i]));
        }
        if (n > 8) {
            sb.append(", ...");
        }
        sb.append("], shape=").append(Shape.format(shape));
        if (storage.device != null) {
            sb.append(", device='").append(device()).append('\'');
        }
        if (dtype != DType.FLOAT32) {
            sb.append(", dtype=").append(dtype);
        }
        if (gradFn != null) {
            sb.append(", grad_fn=").append(gradFn.name());
        } else if (requiresGrad) {
            sb.append(", requires_grad=true");
        }
        return sb.append(')').toString();
    }
}
