package io.sparkgrad.conf;

import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/** The kinds of Spark master a job can run on, recognised from the master URL. */
public enum ClusterManager {
    /** Embedded: {@code local}, {@code local[4]}, {@code local[*]}, {@code local[4,2]}, {@code local-cluster[2,1,1024]}. */
    LOCAL("local[*]", "local(\\[(\\d+|\\*)(,\\d+)?])?|local-cluster\\[\\d+,\\d+,\\d+]"),
    /** Spark's standalone cluster manager, one or more masters. */
    STANDALONE("spark://host:7077", "spark://[^\\s:/,]+:\\d+(,[^\\s:/,]+:\\d+)*"),
    /** Hadoop YARN (the cluster is found through HADOOP_CONF_DIR). */
    YARN("yarn", "yarn"),
    /** Kubernetes, through its API server. */
    KUBERNETES("k8s://https://host:6443", "k8s://(https?://)?[^\\s:/]+(:\\d+)?/?");

    private final String example;
    private final Pattern pattern;

    ClusterManager(String example, String regex) {
        this.example = example;
        this.pattern = Pattern.compile(regex);
    }

    /** A master URL of this kind, for messages. */
    public String example() {
        return example;
    }

    /** The cluster manager {@code master} names, or empty if it is no master URL Sparkgrad knows. */
    public static Optional<ClusterManager> of(String master) {
        if (master == null) {
            return Optional.empty();
        }
        return Arrays.stream(values()).filter(m -> m.pattern.matcher(master).matches()).findFirst();
    }

    /** The accepted forms of master URL, for messages. */
    public static String acceptedForms() {
        return "local, local[N], local[*], local-cluster[N,cores,memMB], spark://host:port, yarn, "
                + "k8s://https://host:port";
    }
}
