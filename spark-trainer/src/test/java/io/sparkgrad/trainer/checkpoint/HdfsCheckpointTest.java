package io.sparkgrad.trainer.checkpoint;

import static io.sparkgrad.trainer.checkpoint.CheckpointStoreTest.FP;
import static io.sparkgrad.trainer.checkpoint.CheckpointStoreTest.LAYOUT;
import static io.sparkgrad.trainer.checkpoint.CheckpointStoreTest.N;
import static io.sparkgrad.trainer.checkpoint.CheckpointStoreTest.checkpoint;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.testutil.MiniDfs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints on a real in-process HDFS: written, pruned, read back, a corrupt newest one skipped, a foreign folder refused. */
class HdfsCheckpointTest {

    @TempDir
    static Path base;

    private static MiniDFSCluster cluster;
    private static Configuration conf;
    private static String hdfs;

    @BeforeAll
    static void start() throws Exception {
        conf = new Configuration();
        cluster = MiniDfs.start(conf, base);
        hdfs = MiniDfs.uri(cluster);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.shutdown();
        }
    }

    private static List<String> names(FileSystem fs, String dir) throws Exception {
        List<String> out = new ArrayList<>();
        for (FileStatus s : fs.listStatus(new org.apache.hadoop.fs.Path(dir))) {
            out.add(s.getPath().getName());
        }
        out.sort(null);
        return out;
    }

    @Test
    void checkpointsOnHdfsArePrunedReadBackAndACorruptNewestOneIsSkipped() throws Exception {
        String dir = hdfs + "/runs/a/ckpt";
        CheckpointStore s = new CheckpointStore(dir, conf, 2).forRun("run-a", FP, false);
        for (long step = 1; step <= 3; step++) {
            assertEquals(dir + String.format("/step-%012d", step), s.save(checkpoint(step), LAYOUT));
        }
        FileSystem fs = new org.apache.hadoop.fs.Path(dir).getFileSystem(conf);
        assertEquals("hdfs", fs.getScheme());
        assertEquals(List.of("step-000000000002", "step-000000000003"), names(fs, dir), "pruned to 2, no temporary folder left");
        assertEquals(List.of("MANIFEST.json", "model.safetensors", "optimizer.safetensors", "state.json"), names(fs, dir + "/step-000000000003"));

        CheckpointStore resumed = new CheckpointStore(dir, conf, 2).forRun("run-b", FP, true);
        Checkpoint c = resumed.latest(LAYOUT, N).orElseThrow();
        assertEquals(3, c.globalStep());
        assertArrayEquals(checkpoint(3).parameters(), c.parameters(), 0f);

        // the newest model file replaced by one of the same length with other bytes: only the checksum can tell
        org.apache.hadoop.fs.Path model = new org.apache.hadoop.fs.Path(dir + "/step-000000000003/model.safetensors");
        long len = fs.getFileStatus(model).getLen();
        byte[] bytes = new byte[(int) len];
        try (var in = fs.open(model)) {
            in.readFully(bytes);
        }
        bytes[bytes.length - 2] ^= 0x40;
        try (FSDataOutputStream out = fs.create(model, true)) {
            out.write(bytes);
        }
        assertEquals(2, resumed.latest(LAYOUT, N).orElseThrow().globalStep(), "fell back to the previous complete checkpoint");

        IllegalStateException foreign = assertThrows(IllegalStateException.class,
                () -> new CheckpointStore(dir, conf, 2).forRun("run-c", FP, false));
        assertTrue(foreign.getMessage().contains("of another run"), foreign.getMessage());
        assertEquals(List.of("step-000000000002", "step-000000000003"), names(fs, dir), "the refusal deleted nothing");
    }
}
