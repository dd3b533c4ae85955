package io.sparkgrad.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jars a user puts on a cluster hold no test or bench code: neither each module's main jar nor the shaded job
 * jar contains a class compiled from a module's test sources (the benchmarks, the reference MLP and its synthetic
 * data, the loopback cluster, the tests themselves), a class named like a benchmark, or JUnit. An integration test,
 * so that it reads the jars {@code package} has just built.
 */
class ProductionJarsIT {
    static final List<String> MODULES = List.of("core-tensor", "data-ingest", "spark-trainer", "cluster-conf", "examples");
    /** The product's modules, whose main jars users put on a cluster (examples is built after this module). */
    static final List<String> PRODUCT_MODULES = MODULES.subList(0, 4);
    /** Simple names that mark Sparkgrad test or bench code, whatever source folder they come from. */
    static final Pattern TEST_NAMES = Pattern.compile(".*Bench.*|.*(Test|Tests|IT)|ArrayMlp|SyntheticClassification"
            + "|LoopbackCluster|LoopbackProbe");

    static Path repo() {
        return Path.of(System.getProperty("sparkgrad.repo.dir", "..")).toAbsolutePath().normalize();
    }

    /** Every top-level class of every module's test sources, as a jar entry name without {@code .class}. */
    static Set<String> testClasses() throws IOException {
        Set<String> names = new TreeSet<>();
        for (String module : MODULES) {
            Path root = repo().resolve(module).resolve("src/test/java");
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(p -> p.toString().endsWith(".java")).forEach(p -> {
                    String rel = root.relativize(p).toString().replace('\\', '/');
                    names.add(rel.substring(0, rel.length() - ".java".length()));
                });
            }
        }
        return names;
    }

    /** The entries of {@code jar} that are test or bench code. */
    static List<String> offenders(Path jar, Set<String> testClasses) throws IOException {
        List<String> bad = new ArrayList<>();
        try (JarFile f = new JarFile(jar.toFile())) {
            f.stream().map(JarEntry::getName).forEach(name -> {
                if (name.startsWith("org/junit/") || name.startsWith("io/sparkgrad/cluster/")) {
                    bad.add(name);
                    return;
                }
                if (!name.endsWith(".class")) {
                    return;
                }
                String type = name.substring(0, name.length() - ".class".length());
                int inner = type.indexOf('$');
                String topLevel = inner < 0 ? type : type.substring(0, inner);
                String simple = topLevel.substring(topLevel.lastIndexOf('/') + 1);
                boolean ours = topLevel.startsWith("io/sparkgrad/") && !topLevel.startsWith("io/sparkgrad/shaded/");
                if (testClasses.contains(topLevel) || ours && TEST_NAMES.matcher(simple).matches()) {
                    bad.add(name);
                }
            });
        }
        return bad;
    }

    static Path mainJar(String module) throws IOException {
        Path target = repo().resolve(module).resolve("target");
        try (Stream<Path> files = Files.list(target)) {
            List<Path> jars = files.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(module + "-") && n.endsWith(".jar") && !n.endsWith("-tests.jar") && !n.endsWith("-sources.jar");
            }).toList();
            assertEquals(1, jars.size(), () -> "one main jar of " + module + " in " + target + ", found " + jars);
            return jars.get(0);
        }
    }

    @Test
    void noMainJarAndNotTheJobJarHoldsTestOrBenchClasses() throws IOException {
        Set<String> testClasses = testClasses();
        // The test sources are where the bench mains and the test helpers live: the check looks for them by name.
        assertTrue(testClasses.containsAll(List.of("io/sparkgrad/trainer/bench/TrainerBench", "io/sparkgrad/trainer/reference/ArrayMlp",
                "io/sparkgrad/cluster/LoopbackCluster", "io/sparkgrad/examples/bench/EngineBench",
                "io/sparkgrad/ingest/bench/IngestBenchmark")), "test sources under " + repo() + ": " + testClasses.size());
        List<Path> jars = new ArrayList<>();
        for (String module : PRODUCT_MODULES) {
            jars.add(mainJar(module));
        }
        String jobJar = System.getProperty("sparkgrad.job.jar");
        jars.add(jobJar != null ? Path.of(jobJar) : repo().resolve("cluster-conf/target/sparkgrad-job.jar"));
        for (Path jar : jars) {
            assertTrue(Files.isRegularFile(jar), jar + " is built by `package` before the integration tests");
            List<String> bad = offenders(jar, testClasses);
            assertTrue(bad.isEmpty(), jar.getFileName() + " holds test or bench code: " + bad);
        }
        try (JarFile job = new JarFile(jars.get(jars.size() - 1).toFile())) {
            assertTrue(job.getEntry("io/sparkgrad/trainer/DistributedTrainer.class") != null, "the job jar holds the trainer");
        }
    }

    @Test
    void theCheckFindsTestAndBenchClassesInAJar(@TempDir Path tmp) throws IOException {
        Path jar = tmp.resolve("leaky.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : List.of("io/sparkgrad/trainer/DistributedTrainer.class", "io/sparkgrad/trainer/reference/ArrayMlp$Layer.class",
                    "io/sparkgrad/x/SomeBench.class", "io/sparkgrad/trainer/LocalSpark.class", "io/sparkgrad/cluster/spark-submit",
                    "org/junit/jupiter/api/Test.class", "io/sparkgrad/conf/presets/local.yaml", "org/other/LibraryTest.class")) {
                out.putNextEntry(new JarEntry(name));
                out.write(0);
                out.closeEntry();
            }
        }
        assertEquals(List.of("io/sparkgrad/trainer/reference/ArrayMlp$Layer.class", "io/sparkgrad/x/SomeBench.class",
                "io/sparkgrad/trainer/LocalSpark.class", "io/sparkgrad/cluster/spark-submit", "org/junit/jupiter/api/Test.class"),
                offenders(jar, testClasses()));
    }
}
