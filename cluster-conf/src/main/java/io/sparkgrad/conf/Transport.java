package io.sparkgrad.conf;

/** How gradients travel from the workers to the driver each step. */
public enum Transport implements ConfigEnum {
    /** One barrier stage per epoch with a socket channel to an aggregation server on the driver. */
    BARRIER,
    /** One ordinary Spark stage per step (broadcast + treeAggregate); works with plain task retry. */
    STAGE
}
