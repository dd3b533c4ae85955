package io.sparkgrad.conf;

/** The optimizer the driver applies to the aggregated gradients. */
public enum OptimizerName implements ConfigEnum {
    /** Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay. */
    SGD,
    /** Adam (weight decay added to the gradient). */
    ADAM,
    /** AdamW (decoupled weight decay). */
    ADAMW
}
