package io.sparkgrad.tensor;

/**
 * One recorded operation in the autograd graph: its inputs, the tensors its backward rule reads (with their storage
 * versions at the time they were saved), and the rule itself. Ops build it next to their forward code:
 *
 * <pre>{@code
 * return GradFn.of("mul", a, b).saving(a, b).result(out, g -> new Tensor[] {g.mul(b).sumTo(a.shape()), g.mul(a).sumTo(b.shape())});
 * }</pre>
 *
 * The graph is only recorded when grad mode is on and some input requires grad; otherwise {@link #result} returns the
 * output untouched.
 */
public final class GradFn {
    private static final Tensor[] NONE = new Tensor[0];
    private static final int[] NO_VERSIONS = new int[0];

    private final String name;
    private final Tensor[] inputs;
    private Tensor[] saved = NONE;
    private int[] savedVersions = NO_VERSIONS;
    private BackwardFn backward;

    private GradFn(String name, Tensor[] inputs) {
        this.name = name;
        this.inputs = inputs;
    }

    /** Starts recording the operation {@code name} applied to {@code inputs}. */
    public static GradFn of(String name, Tensor... inputs) {
        return new GradFn(name, inputs);
    }

    /**
     * Whether an operation on {@code x} alone records a graph, as {@link #result} decides: the view ops ask first, so
     * that a view of an engine buffer that needs no gradient (every step, the lane convolutions') builds no grad
     * function, input array and backward closure only to drop them.
     */
    static boolean records(Tensor x) {
        return GradMode.isEnabled() && x.requiresGrad();
    }

    /** Names the tensors that the backward rule reads, so that an in-place change to them is detected. */
    public GradFn saving(Tensor... tensors) {
        this.saved = tensors;
        return this;
    }

    /**
     * Attaches this operation to {@code out} when a gradient is needed, and returns {@code out}.
     */
    public Tensor result(Tensor out, BackwardFn backward) {
        if (!GradMode.isEnabled() || !anyRequiresGrad()) {
            return out;
        }
        this.backward = backward;
        this.savedVersions = new int[saved.length];
        for (int i = 0; i < saved.length; i++) {
            savedVersions[i] = saved[i].storage().version();
        }
        out.attach(this);
        return out;
    }

    private boolean anyRequiresGrad() {
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /** The tensors saved for the backward rule. */
    Tensor[] saved() {
        return saved;
    }

    /** The operation's name, as shown in error messages. */
    public String name() {
        return name;
    }

    Tensor[] inputs() {
        return inputs;
    }

    Tensor[] apply(Tensor gradOutput) {
        for (int i = 0; i < saved.length; i++) {
            if (saved[i].dtype() == DType.FLOAT32 && saved[i].storage().freed) {
                throw new IllegalStateException("Trying to backward through the graph a second time (or directly access saved "
                        + "tensors after they have already been freed): " + name + " saved an intermediate activation of a module "
                        + "chain, whose memory is reused once a backward pass through it ends. Run the forward again.");
            }
            int now = saved[i].storage().version();
            if (now != savedVersions[i]) {
                throw new IllegalStateException("one of the variables needed for gradient computation has been modified by an "
                        + "inplace operation: [" + saved[i].dtype() + " " + Shape.format(saved[i].shape()) + "], saved by " + name
                        + ", is at version " + now + "; expected version " + savedVersions[i]
                        + " instead. Clone the tensor before changing it in place, or change it after backward().");
            }
        }
        Tensor[] grads = backward.apply(gradOutput);
        if (grads.length != inputs.length) {
            throw new IllegalStateException("backward of " + name + " returned " + grads.length + " gradients for " + inputs.length + " inputs");
        }
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] != null && inputs[i] != null && !grads[i].sameShape(inputs[i])) {
                throw new IllegalStateException("backward of " + name + " produced a gradient of shape " + Shape.format(grads[i].shape())
                        + " for input " + i + " of shape " + Shape.format(inputs[i].shape()));
            }
        }
        return grads;
    }
}
