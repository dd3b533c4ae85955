package io.sparkgrad.conf;

/** Where spark-submit starts the driver. */
public enum DeployMode implements ConfigEnum {
    /** On the machine that runs spark-submit. */
    CLIENT,
    /** Inside the cluster (a YARN container, a Kubernetes pod, a standalone worker). */
    CLUSTER
}
