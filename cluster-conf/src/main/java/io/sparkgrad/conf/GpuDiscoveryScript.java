package io.sparkgrad.conf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The GPU discovery script Spark runs when an executor starts
 * ({@code spark.executor.resource.gpu.discoveryScript}): it prints the executor's GPUs as
 * {@code {"name": "gpu", "addresses": ["0", "1"]}}. It ships inside this jar; spark-submit sends a copy
 * to YARN executors with {@code --files}.
 */
public final class GpuDiscoveryScript {
    /** The script's file name, also its name in a YARN container's working directory. */
    public static final String FILE_NAME = "sparkgrad-gpu-discovery.sh";

    private GpuDiscoveryScript() {
    }

    /** The script's text. */
    public static String text() {
        return Resources.text(FILE_NAME);
    }

    /** Writes the script into {@code dir} (created if needed), executable, and returns its path. */
    public static Path extractTo(Path dir) {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(FILE_NAME);
            Files.writeString(file, text(), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
            return file.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the GPU discovery script into " + dir, e);
        }
    }

    /** Writes the script into a per-user folder under the temporary directory and returns its path. */
    public static Path extractToTempDir() {
        return extractTo(Path.of(System.getProperty("java.io.tmpdir"),
                "sparkgrad-" + System.getProperty("user.name", "user")));
    }
}
