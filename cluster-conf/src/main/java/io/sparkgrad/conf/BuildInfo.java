package io.sparkgrad.conf;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/** Values the build writes into {@code build.properties}: the project version and the JVM flag list. */
public final class BuildInfo {
    private static final String RESOURCE = "build.properties";
    private static final Properties PROPERTIES = load();

    private BuildInfo() {
    }

    /** The Sparkgrad version of this build. */
    public static String version() {
        return property("version");
    }

    static String property(String key) {
        String value = PROPERTIES.getProperty(key, "").strip();
        if (value.isEmpty() || value.contains("${")) {
            throw new IllegalStateException("io/sparkgrad/conf/" + RESOURCE + " was not filtered by the build: "
                    + key + "='" + value + "'");
        }
        return value;
    }

    private static Properties load() {
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource io/sparkgrad/conf/" + RESOURCE);
            }
            Properties p = new Properties();
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
