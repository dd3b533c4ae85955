package io.sparkgrad.job;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Writes the run's files to any Hadoop path. Local files are written to a temporary name and then moved into
 * place, so a reader never sees half a file; other file systems get the file as {@link FileSystem#create} writes it.
 */
public final class OutputFiles {

    /** Writes a file's bytes to a stream. */
    @FunctionalInterface
    public interface Body {
        /** Writes the content; the stream is closed by the caller. */
        void writeTo(OutputStream out) throws IOException;
    }

    private static final FileAttribute<Set<PosixFilePermission>> READABLE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));

    private OutputFiles() {
    }

    /** The local file {@code path} names, or null when it is on another file system. */
    public static java.nio.file.Path local(String path, Configuration conf) throws IOException {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(conf);
        if (!(fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem)) {
            return null;
        }
        return java.nio.file.Path.of(fs.makeQualified(p).toUri());
    }

    /** {@code path} the way a person reads it: an absolute local path, or the fully qualified URI. */
    public static String display(String path, Configuration conf) throws IOException {
        java.nio.file.Path local = local(path, conf);
        if (local != null) {
            return local.toString();
        }
        Path p = new Path(path);
        return p.getFileSystem(conf).makeQualified(p).toString();
    }

    /** {@code name} inside the folder {@code dir}. */
    public static String child(String dir, String name) {
        return new Path(new Path(dir), name).toString();
    }

    /** Creates the folder {@code dir} (and its parents). */
    public static void mkdirs(String dir, Configuration conf) throws IOException {
        Path p = new Path(dir);
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.mkdirs(p) && !fs.getFileStatus(p).isDirectory()) {
            throw new IOException("cannot create the output folder " + display(dir, conf));
        }
    }

    /** Writes {@code path} (replacing it) with what {@code body} writes. */
    public static void write(String path, Configuration conf, Body body) throws IOException {
        java.nio.file.Path local = local(path, conf);
        if (local != null) {
            java.nio.file.Path dir = local.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            // A temporary file is private (rw-------) by default; the run's files are ordinary ones.
            java.nio.file.Path tmp = dir.getFileSystem().supportedFileAttributeViews().contains("posix")
                    ? Files.createTempFile(dir, "." + local.getFileName(), ".tmp", READABLE)
                    : Files.createTempFile(dir, "." + local.getFileName(), ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    body.writeTo(out);
                }
                try {
                    Files.move(tmp, local, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, local, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return;
        }
        Path p = new Path(path);
        try (OutputStream out = p.getFileSystem(conf).create(p, true)) {
            body.writeTo(out);
        }
    }

    /** Writes {@code path} (replacing it) with {@code bytes}. */
    public static void write(String path, Configuration conf, byte[] bytes) throws IOException {
        write(path, conf, out -> out.write(bytes));
    }
}
