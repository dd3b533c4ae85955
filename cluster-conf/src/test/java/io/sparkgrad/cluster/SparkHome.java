package io.sparkgrad.cluster;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code SPARK_HOME} made from this JVM's own classpath, no Spark distribution needed: {@code jars/}
 * holds symbolic links to every jar on the classpath (Spark's included), {@code conf/} a log4j2
 * configuration, and {@code bin/} a {@code spark-class} and {@code spark-submit} that run Spark's launcher
 * from those jars. Standalone masters, workers and the executors they start, and drivers started through
 * {@code bin/spark-submit}, all run from it.
 *
 * @param home the folder
 */
public record SparkHome(Path home) {

    /** The environment a Spark process started from this home needs. */
    public Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_CONF_DIR", home.resolve("conf").toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return env;
    }

    /** The {@code jars/} folder. */
    public Path jars() {
        return home.resolve("jars");
    }

    /** The {@code bin/spark-submit} script. */
    public Path sparkSubmit() {
        return home.resolve("bin").resolve("spark-submit");
    }

    /** The classpath Spark's own scripts use: {@code conf/} then every jar in {@code jars/}. */
    public String classPath() {
        return home.resolve("conf") + File.pathSeparator + jars() + "/*";
    }

    /**
     * Lays out a SPARK_HOME in {@code dir} (created if needed) from this JVM's classpath jars. Jars whose
     * file names clash get a numbered prefix; classpath folders (build output) are left out, since Spark
     * reads only {@code jars/*.jar}.
     */
    public static SparkHome layOut(Path dir) {
        try {
            Path jars = Files.createDirectories(dir.resolve("jars"));
            int linked = 0;
            for (Path entry : ClasspathEntries.current()) {
                if (!Files.isRegularFile(entry) || !entry.getFileName().toString().endsWith(".jar")) {
                    continue;
                }
                Path link = jars.resolve(entry.getFileName());
                for (int i = 1; Files.exists(link, LinkOption.NOFOLLOW_LINKS); i++) {
                    link = jars.resolve(i + "-" + entry.getFileName());
                }
                try {
                    Files.createSymbolicLink(link, entry);
                } catch (UnsupportedOperationException | IOException e) {
                    Files.copy(entry, link);
                }
                linked++;
            }
            if (linked == 0 || !hasSpark(jars)) {
                throw new IllegalStateException("this JVM's classpath has no Spark jars to lay out a SPARK_HOME "
                        + "from (java.class.path=" + System.getProperty("java.class.path") + ")");
            }
            Path conf = Files.createDirectories(dir.resolve("conf"));
            copyResource("log4j2.properties", conf.resolve("log4j2.properties"), false);
            Path bin = Files.createDirectories(dir.resolve("bin"));
            for (String script : List.of("spark-class", "spark-submit")) {
                copyResource(script, bin.resolve(script), true);
            }
            return new SparkHome(dir.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out a SPARK_HOME in " + dir, e);
        }
    }

    private static boolean hasSpark(Path jars) throws IOException {
        try (var files = Files.list(jars)) {
            return files.anyMatch(p -> p.getFileName().toString().matches("(\\d+-)?spark-core_2\\.13-.*\\.jar"));
        }
    }

    private static void copyResource(String name, Path target, boolean executable) throws IOException {
        try (InputStream in = SparkHome.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource io/sparkgrad/cluster/" + name);
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        if (executable) {
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
