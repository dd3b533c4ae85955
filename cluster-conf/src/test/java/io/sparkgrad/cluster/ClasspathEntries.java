package io.sparkgrad.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/** The current JVM's classpath as absolute paths, with manifest-only "booter" jars expanded. */
final class ClasspathEntries {
    private ClasspathEntries() {
    }

    /** Every existing classpath entry of this JVM, absolute, in order, without duplicates. */
    static List<Path> current() {
        Set<Path> out = new LinkedHashSet<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                add(Path.of(entry).toAbsolutePath().normalize(), out);
            }
        }
        return new ArrayList<>(out);
    }

    private static void add(Path entry, Set<Path> out) {
        if (!Files.exists(entry)) {
            return;
        }
        if (Files.isRegularFile(entry) && entry.toString().endsWith(".jar")) {
            List<Path> manifestPath = manifestClassPath(entry);
            if (!manifestPath.isEmpty() && isManifestOnly(entry)) {
                // Surefire (and some IDEs) start tests with a jar whose manifest holds the real classpath.
                manifestPath.forEach(p -> add(p, out));
                return;
            }
        }
        out.add(entry);
    }

    private static List<Path> manifestClassPath(Path jar) {
        try (JarFile jf = new JarFile(jar.toFile())) {
            Manifest m = jf.getManifest();
            String cp = m == null ? null : m.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            List<Path> out = new ArrayList<>();
            if (cp != null) {
                for (String item : cp.trim().split("\\s+")) {
                    URI uri = jar.getParent().toUri().resolve(item);
                    out.add(Path.of(uri).toAbsolutePath().normalize());
                }
            }
            return out;
        } catch (IOException | IllegalArgumentException e) {
            return List.of();
        }
    }

    private static boolean isManifestOnly(Path jar) {
        try (JarFile jf = new JarFile(jar.toFile())) {
            return jf.stream().noneMatch(e -> e.getName().endsWith(".class"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
