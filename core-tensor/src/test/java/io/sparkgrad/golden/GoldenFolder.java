package io.sparkgrad.golden;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where the golden cases are: the folder named by the system property {@code sparkgrad.golden.dir} (Surefire sets it
 * from the root pom), else {@code ../shared/golden} seen from the repository root, found by walking up from the
 * working directory to the folder that holds {@code .git} or the reactor pom (one with {@code <modules>}).
 */
final class GoldenFolder {
    static final String PROPERTY = "sparkgrad.golden.dir";

    private GoldenFolder() {
    }

    static Path locate() {
        return locate(System.getProperty(PROPERTY), Path.of(System.getProperty("user.dir")));
    }

    /** The folder from {@code configured} (the property's value, may be null) or else from {@code workingDir}. */
    static Path locate(String configured, Path workingDir) {
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                throw new IllegalStateException("golden folder " + dir + " (system property " + PROPERTY + ") does not exist; point -D"
                        + PROPERTY + "=<folder> at the folder with the PyTorch golden JSON cases");
            }
            return dir;
        }
        Path start = workingDir.toAbsolutePath().normalize();
        Path root = repositoryRoot(start);
        Path dir = root.resolve("../shared/golden").normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("no golden folder at " + dir + " (../shared/golden from the repository root " + root
                    + "); set -D" + PROPERTY + "=<folder>");
        }
        return dir;
    }

    /** The case files ({@code *.json}), sorted by name. */
    static List<String> caseFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the golden folder " + dir, e);
        }
    }

    private static Path repositoryRoot(Path start) {
        for (Path d = start; d != null; d = d.getParent()) {
            if (Files.exists(d.resolve(".git"))) {
                return d;
            }
            Path pom = d.resolve("pom.xml");
            try {
                if (Files.isRegularFile(pom) && Files.readString(pom).contains("<modules>")) {
                    return d;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + pom, e);
            }
        }
        throw new IllegalStateException("no repository root (a folder with .git or a pom.xml with <modules>) at or above " + start
                + "; set -D" + PROPERTY + "=<folder>");
    }
}
