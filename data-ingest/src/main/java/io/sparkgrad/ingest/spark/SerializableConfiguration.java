package io.sparkgrad.ingest.spark;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;

/**
 * Ships a Hadoop {@link Configuration} (file system settings, credentials providers) from the driver to the
 * tasks that open files themselves. {@code Configuration} is {@code Writable} but not {@code Serializable}.
 */
public final class SerializableConfiguration implements Serializable {

    private static final long serialVersionUID = 1L;

    private transient Configuration conf;

    /** Wraps {@code conf} (not copied: the driver's settings at the time the task is serialised travel). */
    public SerializableConfiguration(Configuration conf) {
        this.conf = conf;
    }

    /** The configuration: the driver's on the driver, a deserialised copy in a task. */
    public Configuration get() {
        return conf;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        conf.write(out);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        conf = new Configuration(false);
        conf.readFields(in);
    }
}
