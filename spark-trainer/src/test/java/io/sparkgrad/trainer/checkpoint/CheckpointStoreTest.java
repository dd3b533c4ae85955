package io.sparkgrad.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.trainer.EpochStats;
import io.sparkgrad.optim.OptimizerState;
import io.sparkgrad.trainer.ParameterSlice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints cannot mix runs and are read only when complete: a corrupt or incomplete newest checkpoint falls back to
 * the previous one, a folder of another run is refused without deleting anything, a resume with another fingerprint
 * is refused naming each difference, and a lying safetensors header is refused by the strict reader.
 */
class CheckpointStoreTest {

    static final List<ParameterSlice> LAYOUT = List.of(new ParameterSlice("0.weight", 0, new int[] {2, 3}),
            new ParameterSlice("0.bias", 6, new int[] {2}));
    static final int N = 8;
    /**
     * The raw local file system, without the client-side .crc files of Hadoop's default one: like an object store
     * (S3A), so the manifest's checksums alone must catch a damaged file.
     */
    static final Configuration CONF = new Configuration();

    static {
        CONF.set("fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem");
        CONF.setBoolean("fs.file.impl.disable.cache", true);
    }

    @TempDir
    Path dir;

    static RunFingerprint fingerprint(String spec, List<ParameterSlice> layout, int[] sizes, String hash, String opt, double lr,
                                      long seed, int batch) {
        return RunFingerprint.of(spec, layout, sizes, hash, opt, Map.of("lr", lr, "momentum", 0.9), seed, batch);
    }

    static final RunFingerprint FP = fingerprint("linear(2)", LAYOUT, new int[] {10, 12}, "abc", "sgd", 0.01, 7, 4);

    /** A checkpoint after {@code step} steps whose parameters are all {@code step}. */
    static Checkpoint checkpoint(long step) {
        float[] p = new float[N];
        java.util.Arrays.fill(p, step);
        float[] momentum = new float[N];
        java.util.Arrays.fill(momentum, -step);
        EpochStats e = new EpochStats(0, 2.3, 0.1, Double.NaN, Double.NaN, 5, 0, 20, 1.5, 13.3, 0, 1, 2);
        return new Checkpoint(1, 0, step, 7, p, new OptimizerState("SGD", Map.of("lr", 0.1, "momentum", 0.9), Map.of("0.step", step), Map.of("0.momentum_buffer", momentum)),
                Checkpoint.EpochProgress.NONE, List.of(e), Map.of("global_batch", 4));
    }

    static Path folder(Path ckpt, long step) {
        return ckpt.resolve(String.format("step-%012d", step));
    }

    private CheckpointStore store(Path ckpt, String run, RunFingerprint fp, boolean resume) {
        return new CheckpointStore(ckpt.toUri().toString(), CONF, 5).forRun(run, fp, resume);
    }

    /** Saves the checkpoints of steps 1 to {@code last} through {@code s}; returns it. */
    private static CheckpointStore saveSteps(CheckpointStore s, long last) {
        for (long step = 1; step <= last; step++) {
            s.save(checkpoint(step), LAYOUT);
        }
        return s;
    }

    private static List<String> listing(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            return s.map(x -> p.relativize(x) + ":" + (Files.isRegularFile(x) ? x.toFile().length() : -1)).sorted().toList();
        }
    }

    @Test
    void aCheckpointRoundTripsAndItsManifestListsEveryFileWithSizeAndChecksum() throws Exception {
        Path ckpt = dir.resolve("ckpt");
        CheckpointStore s = store(ckpt, "run-a", FP, false);
        s.save(checkpoint(3), LAYOUT);
        Checkpoint c = store(ckpt, "run-b", FP, true).latest(LAYOUT, N).orElseThrow();
        assertEquals(3, c.globalStep());
        assertArrayEquals(checkpoint(3).parameters(), c.parameters(), 0f);
        assertArrayEquals(checkpoint(3).optimizer().buffers().get("0.momentum_buffer"), c.optimizer().buffers().get("0.momentum_buffer"), 0f);
        assertEquals(3L, c.optimizer().steps().get("0.step"));
        assertEquals(checkpoint(3).history(), c.history());

        Map<?, ?> manifest = new ObjectMapper().readValue(folder(ckpt, 3).resolve("MANIFEST.json").toFile(), Map.class);
        assertEquals("run-a", manifest.get("run_id"));
        Map<?, ?> files = (Map<?, ?>) manifest.get("files");
        for (String f : List.of("model.safetensors", "optimizer.safetensors", "state.json")) {
            byte[] bytes = Files.readAllBytes(folder(ckpt, 3).resolve(f));
            Map<?, ?> e = (Map<?, ?>) files.get(f);
            assertEquals(bytes.length, ((Number) e.get("bytes")).intValue(), f);
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), e.get("sha256"), f);
        }
    }

    @Test
    void aCorruptOrIncompleteNewestCheckpointFallsBackToThePreviousCompleteOne() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        saveSteps(store(ckpt, "run-a", FP, false), 4);
        // step 4: one flipped byte in the weights (same length, so only the checksum can tell)
        Path model = folder(ckpt, 4).resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length - 1] ^= 1;
        Files.write(model, bytes);
        // step 3: a truncated optimizer file
        Path opt = folder(ckpt, 3).resolve("optimizer.safetensors");
        byte[] o = Files.readAllBytes(opt);
        Files.write(opt, java.util.Arrays.copyOf(o, o.length - 4));
        // step 2: no manifest, as after a writer that died while an object store copied the folder
        Files.delete(folder(ckpt, 2).resolve("MANIFEST.json"));

        CheckpointStore resumed = store(ckpt, "run-b", FP, true);
        assertEquals(1, resumed.latest(LAYOUT, N).orElseThrow().globalStep(), "the newest complete checkpoint is step 1");
        assertArrayEquals(checkpoint(1).parameters(), resumed.latest(LAYOUT, N).orElseThrow().parameters(), 0f);

        Files.delete(folder(ckpt, 1).resolve("state.json"));
        UncheckedIOException none = assertThrows(UncheckedIOException.class, () -> resumed.latest(LAYOUT, N));
        String m = none.getMessage();
        assertTrue(m.contains("none of its 4 checkpoints is complete"), m);
        assertTrue(m.contains("model.safetensors has SHA-256"), m);
        assertTrue(m.contains("optimizer.safetensors has " + (o.length - 4) + " bytes but the manifest says " + o.length), m);
        assertTrue(m.contains("step-000000000002 has no MANIFEST.json"), m);
    }

    @Test
    void aLyingSafetensorsHeaderIsRefusedByTheStrictReaderEvenWithAMatchingManifest() throws Exception {
        Path ckpt = dir.resolve("ckpt");
        store(ckpt, "run-a", FP, false).save(checkpoint(1), LAYOUT);
        store(ckpt, "run-a", FP, false).save(checkpoint(2), LAYOUT);
        Path model = folder(ckpt, 2).resolve("model.safetensors");
        // a header length of 2^40: a reader that trusted it would try to allocate a terabyte
        byte[] evil = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array();
        Files.write(model, evil);
        Path manifestFile = folder(ckpt, 2).resolve("MANIFEST.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(manifestFile.toFile());
        ObjectNode entry = (ObjectNode) manifest.get("files").get("model.safetensors");
        entry.put("bytes", evil.length).put("sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(evil)));
        json.writeValue(manifestFile.toFile(), manifest);
        assertEquals(1, store(ckpt, "run-b", FP, true).latest(LAYOUT, N).orElseThrow().globalStep());
        Files.delete(folder(ckpt, 1).resolve("MANIFEST.json"));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> store(ckpt, "run-b", FP, true).latest(LAYOUT, N));
        assertTrue(e.getMessage().contains(model.toUri().getPath() + ": the header length 1099511627776 exceeds the limit"), e.getMessage());
    }

    @Test
    void aFreshRunInAFolderOfAnotherRunIsRefusedAndDeletesNothing() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        saveSteps(store(ckpt, "run-a", FP, false), 3);
        List<String> before = listing(ckpt);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> store(ckpt, "run-b", FP, false));
        assertTrue(e.getMessage().contains("already holds 3 checkpoint(s) of another run (step-000000000003 written by run-a)"), e.getMessage());
        assertTrue(e.getMessage().contains("Nothing was deleted"), e.getMessage());
        assertEquals(before, listing(ckpt), "the other run's checkpoints are untouched");
        // a half-written newest checkpoint (no manifest) still names its run in its state file
        Files.delete(folder(ckpt, 3).resolve("MANIFEST.json"));
        e = assertThrows(IllegalStateException.class, () -> store(ckpt, "run-b", FP, false));
        assertTrue(e.getMessage().contains("written by run-a"), e.getMessage());
        // the same run may write on (a trainer's second fit() repeats its own trajectory), and so may a resume
        store(ckpt, "run-a", FP, false);
        store(ckpt, "run-b", FP, true);
        // one that names no run at all is someone else's: the fresh run cannot tell it is its own
        Files.delete(folder(ckpt, 3).resolve("state.json"));
        e = assertThrows(IllegalStateException.class, () -> store(ckpt, "run-a", FP, false));
        assertTrue(e.getMessage().contains("written by an unknown run (step-000000000003 has no MANIFEST.json"), e.getMessage());
        assertEquals(before.stream().filter(l -> !l.startsWith("step-000000000003/")).toList(),
                listing(ckpt).stream().filter(l -> !l.startsWith("step-000000000003/")).toList());
    }

    @Test
    void aResumeWithAnotherFingerprintIsRefusedNamingEachDifference() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        store(ckpt, "run-a", FP, false).save(checkpoint(5), LAYOUT);
        List<String> before = listing(ckpt);
        List<ParameterSlice> wider = List.of(new ParameterSlice("0.weight", 0, new int[] {2, 3}), new ParameterSlice("0.bias", 6, new int[] {3}));
        RunFingerprint other = fingerprint("linear(3)", wider, new int[] {11, 11}, "abd", "adam", 0.02, 8, 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> store(ckpt, "run-b", other, true).latest(LAYOUT, N));
        String m = e.getMessage();
        assertTrue(m.contains("differs from this one in 8 way(s)"), m);
        for (String line : List.of("model.spec: checkpoint linear(2), this run linear(3)",
                "model.parameters: checkpoint 0.weight[2,3] 0.bias[2], this run 0.weight[2,3] 0.bias[3]",
                "data.partition_sizes: checkpoint [10, 12], this run [11, 11]",
                "data.sample_hash: checkpoint abc, this run abd",
                "optimizer: checkpoint sgd, this run adam",
                "optimizer.lr: checkpoint 0.01, this run 0.02",
                "seed: checkpoint 7, this run 8",
                "global_batch: checkpoint 4, this run 6")) {
            assertTrue(m.contains(line), "'" + m + "' lacks '" + line + "'");
        }
        assertFalse(m.contains("optimizer.momentum"), "equal entries are not listed: " + m);
        // one difference alone is named alone
        RunFingerprint lr = fingerprint("linear(2)", LAYOUT, new int[] {10, 12}, "abc", "sgd", 0.02, 7, 4);
        e = assertThrows(IllegalArgumentException.class, () -> store(ckpt, "run-b", lr, true).latest(LAYOUT, N));
        assertTrue(e.getMessage().contains("in 1 way(s):\n  optimizer.lr: checkpoint 0.01, this run 0.02\n"), e.getMessage());
        assertEquals(before, listing(ckpt), "a refused resume deletes nothing");
    }

    @Test
    void onlyTheNewestKeptCompleteCheckpointsSurvivePruning() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        saveSteps(new CheckpointStore(ckpt.toUri().toString(), CONF, 2).forRun("run-a", FP, false), 4);
        try (Stream<Path> l = Files.list(ckpt)) {
            assertEquals(List.of("step-000000000003", "step-000000000004"), l.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
