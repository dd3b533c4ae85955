package io.sparkgrad.conf;

/** Where the tensor engine computes on each worker. */
public enum DeviceType implements ConfigEnum {
    /** The CPU. */
    CPU,
    /** One CUDA GPU per worker; on a cluster each executor asks Spark for one GPU. */
    CUDA
}
