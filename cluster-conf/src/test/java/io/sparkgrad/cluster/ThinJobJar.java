package io.sparkgrad.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * A job jar for tests: this build's class folders (main and test) in one jar. Its dependencies come from a
 * {@link SparkHome}'s {@code jars/}, which holds the whole test classpath.
 */
final class ThinJobJar {
    private ThinJobJar() {
    }

    static Path write(Path jar) throws Exception {
        List<Path> folders = ClasspathEntries.current().stream().filter(Files::isDirectory).toList();
        Set<String> seen = new HashSet<>();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Path folder : folders) {
                try (var files = Files.walk(folder)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        String name = folder.relativize(f).toString().replace('\\', '/');
                        if (seen.add(name)) {
                            out.putNextEntry(new JarEntry(name));
                            Files.copy(f, out);
                            out.closeEntry();
                        }
                    }
                }
            }
        }
        return jar;
    }
}
