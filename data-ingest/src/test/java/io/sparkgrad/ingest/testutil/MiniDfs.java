package io.sparkgrad.ingest.testutil;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * The one way tests start an in-process HDFS: one datanode, every port on loopback and chosen free, its storage
 * under a test's folder. Shared with the other modules' tests through this module's test-jar.
 */
public final class MiniDfs {

    private MiniDfs() {
    }

    /**
     * Starts the cluster and waits until it takes requests; {@code conf} gets the cluster's settings and is the
     * client's configuration afterwards. The caller shuts it down.
     */
    public static MiniDFSCluster start(Configuration conf, Path baseDir) throws IOException {
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.resolve("dfs").toString());
        conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        return cluster;
    }

    /** The cluster's root, {@code hdfs://127.0.0.1:<namenode port>}. */
    public static String uri(MiniDFSCluster cluster) {
        return "hdfs://127.0.0.1:" + cluster.getNameNodePort();
    }
}
