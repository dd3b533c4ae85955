package io.sparkgrad.ingest.download;

import io.sparkgrad.ingest.BadInputException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Fills a local cache folder with checksummed files from a list of sources tried in order.
 *
 * <p>For each target: a cached file whose SHA-256 matches is kept; otherwise each source is asked in turn. A
 * source writes into a temporary file ({@code .<name>.<random>.part}) in the cache folder while the SHA-256 of
 * the bytes is computed; only a file whose checksum matches is renamed (atomically) to its final name, anything
 * else is deleted. So a file under its final name is always complete and verified, and an interrupted run leaves
 * at most a {@code .part} file, which the next run deletes.
 *
 * <p>Transient failures are retried ({@code attempts} per source and file, with a growing pause); a checksum
 * mismatch or a missing file moves on to the next source; an unreachable source is not asked again in this run.
 * When a target cannot be had, {@link DataUnavailableException} names it, the cache folder, what each source
 * said, and the caller's instructions for providing the files by hand.
 */
public final class ChecksummedDownloader {

    private final Path cacheDir;
    private final List<DownloadSource> sources;
    private final int attempts;
    private final Duration backoff;
    private final Consumer<String> log;
    private final String howToProvide;

    private ChecksummedDownloader(Builder b) {
        this.cacheDir = Objects.requireNonNull(b.cacheDir, "cacheDir");
        this.sources = List.copyOf(b.sources);
        this.attempts = b.attempts;
        this.backoff = b.backoff;
        this.log = b.log;
        this.howToProvide = b.howToProvide;
    }

    /** A builder; a cache folder is required, sources default to none (verify only). */
    public static Builder builder() {
        return new Builder();
    }

    /** The cache folder. */
    public Path cacheDir() {
        return cacheDir;
    }

    /**
     * Makes sure every target is in the cache folder under its name with the right SHA-256, fetching what is
     * missing or wrong. Returns the cache folder.
     */
    public Path ensure(List<DownloadTarget> targets) throws IOException {
        Files.createDirectories(cacheDir);
        deleteStaleParts();
        Map<String, List<String>> failures = new LinkedHashMap<>();
        Set<DownloadSource> dead = new HashSet<>();
        for (DownloadTarget t : targets) {
            Path file = cacheDir.resolve(t.name());
            if (Files.isRegularFile(file)) {
                String have = Sha256.of(file);
                if (have.equals(t.sha256())) {
                    continue;
                }
                log.accept(file + ": SHA-256 " + have + " is not the expected " + t.sha256() + "; fetching it again");
                Files.delete(file);
            }
            List<String> why = new ArrayList<>();
            if (!fetch(t, file, dead, why)) {
                failures.put(t.name(), why);
            }
        }
        if (!failures.isEmpty()) {
            throw unavailable(failures);
        }
        return cacheDir;
    }

    /**
     * Checks, without fetching anything, that every target is cached with the right SHA-256.
     *
     * @throws DataUnavailableException when files are missing (the message says how to provide them)
     * @throws BadInputException        when a cached file's checksum does not match (naming the file)
     */
    public Path verify(List<DownloadTarget> targets) throws IOException {
        Map<String, List<String>> missing = new LinkedHashMap<>();
        for (DownloadTarget t : targets) {
            Path file = cacheDir.resolve(t.name());
            if (!Files.isRegularFile(file)) {
                missing.put(t.name(), List.of("not in the cache, and fetching was not asked for"));
            }
        }
        if (!missing.isEmpty()) {
            throw unavailable(missing);
        }
        for (DownloadTarget t : targets) {
            Path file = cacheDir.resolve(t.name());
            String have = Sha256.of(file);
            if (!have.equals(t.sha256())) {
                throw new BadInputException(file.toString(), null, "checksum mismatch: SHA-256 " + have + ", expected "
                        + t.sha256() + " (delete the file and fetch it again)");
            }
        }
        return cacheDir;
    }

    private boolean fetch(DownloadTarget t, Path file, Set<DownloadSource> dead, List<String> why) throws IOException {
        for (DownloadSource s : sources) {
            if (dead.contains(s)) {
                why.add(s.describe() + ": skipped (unreachable earlier in this run)");
                continue;
            }
            int before = why.size();
            for (int attempt = 1; attempt <= attempts; attempt++) {
                Path part = Files.createTempFile(cacheDir, "." + t.name() + ".", ".part");
                try {
                    MessageDigest md = Sha256.digest();
                    try (OutputStream out = new DigestOutputStream(Files.newOutputStream(part), md)) {
                        s.fetch(t, out);
                    }
                    String got = Sha256.hex(md);
                    if (!got.equals(t.sha256())) {
                        why.add(s.describe() + ": checksum mismatch (SHA-256 of the decompressed " + t.name() + " is "
                                + got + ", expected " + t.sha256() + ")");
                        break;
                    }
                    makeReadable(part);
                    Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    log.accept(file + ": fetched from " + s.describe() + ", SHA-256 verified");
                    return true;
                } catch (SourceUnavailableException e) {
                    why.add(s.describe() + ": unreachable (" + e.getMessage() + ")");
                    dead.add(s);
                    break;
                } catch (FileNotFoundException e) {
                    why.add(s.describe() + ": does not have it (" + e.getMessage() + ")");
                    break;
                } catch (IOException e) {
                    why.add(s.describe() + ": attempt " + attempt + " of " + attempts + " failed (" + e + ")");
                    if (attempt < attempts) {
                        pause(attempt);
                    }
                } finally {
                    Files.deleteIfExists(part);
                }
            }
            for (String w : why.subList(before, why.size())) {
                log.accept(t.name() + " <- " + w);
            }
        }
        return false;
    }

    /** Temporary files are created owner-only; the verified file is data anyone may read. */
    private static void makeReadable(Path p) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: its default permissions stand.
        }
    }

    private void pause(int attempt) throws IOException {
        try {
            Thread.sleep(backoff.toMillis() * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting to retry", e);
        }
    }

    private void deleteStaleParts() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(cacheDir, ".*.part")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
    }

    private DataUnavailableException unavailable(Map<String, List<String>> failures) {
        StringBuilder sb = new StringBuilder();
        sb.append("missing from ").append(cacheDir).append(": ").append(String.join(", ", failures.keySet())).append('.');
        if (sources.isEmpty() && failures.values().stream().allMatch(List::isEmpty)) {
            sb.append(" No download source was configured.");
        }
        for (Map.Entry<String, List<String>> e : failures.entrySet()) {
            for (String w : e.getValue()) {
                sb.append("\n  ").append(e.getKey()).append(" <- ").append(w);
            }
        }
        if (!howToProvide.isEmpty()) {
            sb.append('\n').append(howToProvide);
        }
        return new DataUnavailableException(sb.toString(), new ArrayList<>(failures.keySet()));
    }

    /** Builds a {@link ChecksummedDownloader}. */
    public static final class Builder {
        private Path cacheDir;
        private final List<DownloadSource> sources = new ArrayList<>();
        private int attempts = 3;
        private Duration backoff = Duration.ofSeconds(2);
        private Consumer<String> log = s -> { };
        private String howToProvide = "";

        /** The cache folder (created if absent). */
        public Builder cacheDir(Path dir) {
            this.cacheDir = dir;
            return this;
        }

        /** Adds a source; sources are tried in the order added. */
        public Builder source(DownloadSource s) {
            sources.add(s);
            return this;
        }

        /** Tries per source and file for transient failures (default 3). */
        public Builder attempts(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("attempts must be at least 1, not " + n);
            }
            this.attempts = n;
            return this;
        }

        /** The pause before retry k is {@code k * backoff} (default 2 s). */
        public Builder backoff(Duration d) {
            this.backoff = d;
            return this;
        }

        /** Where progress lines go (default: nowhere). */
        public Builder log(Consumer<String> log) {
            this.log = log;
            return this;
        }

        /** Instructions appended to the "missing files" message, e.g. how to copy the files in by hand. */
        public Builder howToProvide(String text) {
            this.howToProvide = text;
            return this;
        }

        public ChecksummedDownloader build() {
            return new ChecksummedDownloader(this);
        }
    }
}
