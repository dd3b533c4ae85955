package io.sparkgrad.conf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM flags Spark needs on Java 17 (its {@code --add-opens} list) plus the incubating Vector API.
 * The Java side reads them from the root pom's {@code sparkgrad.jvm.flags} property (filtered into this
 * module's resources at build time); launcher scripts read {@code bin/jvm-flags}. A test keeps the two equal.
 */
public final class JvmFlags {
    private static final List<String> FLAGS = load();

    private JvmFlags() {
    }

    /** The flags, in order. */
    public static List<String> list() {
        return FLAGS;
    }

    /** The flags as one string, as {@code spark.*.extraJavaOptions} takes them. */
    public static String joined() {
        return String.join(" ", FLAGS);
    }

    /** Reads a flag file in the format of {@code bin/jvm-flags}: one flag a line, '#' comments, blank lines. */
    public static List<String> readFile(Path file) {
        try {
            List<String> out = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    out.add(t);
                }
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the JVM flag file " + file, e);
        }
    }

    private static List<String> load() {
        String flags = BuildInfo.property("jvm.flags");
        return List.copyOf(Arrays.asList(flags.split("\\s+")));
    }
}
