package io.sparkgrad.conf;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the checkout the tests compare against (bin/ scripts, the root pom). */
public final class RepoFiles {
    private RepoFiles() {
    }

    /** The repository root: the {@code sparkgrad.repo.dir} property Surefire sets, else the module's parent. */
    public static Path root() {
        String dir = System.getProperty("sparkgrad.repo.dir");
        Path root = (dir != null ? Path.of(dir) : Path.of("").toAbsolutePath().getParent()).normalize();
        if (!Files.isRegularFile(root.resolve("pom.xml")) || !Files.isDirectory(root.resolve("bin"))) {
            throw new IllegalStateException("not the repository root (no pom.xml and bin/): " + root);
        }
        return root;
    }

    /** A file under {@code bin/}. */
    public static Path bin(String name) {
        return root().resolve("bin").resolve(name);
    }
}
