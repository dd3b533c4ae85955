package io.sparkgrad.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The one place that says where the PyTorch golden cases are, and which cases a folder holds. Every golden test, in
 * core-tensor and in the modules that use its test-jar, reads its cases through this class.
 *
 * <p>By default the folder is the copy of the public golden set kept in core-tensor's test resources
 * ({@code src/test/resources/golden}, found on the class path, inside the test-jar too), so a bare clone of the
 * repository tests itself. The system property {@code sparkgrad.golden.dir} ({@code -Dsparkgrad.golden.dir=<folder>}
 * on the Maven command line; best an absolute path, a relative one is resolved against each module's folder) points
 * the suite at another folder of cases in the same format instead.
 *
 * <p>Every {@code *.json} file of the folder is a case, named by its file; a {@code README*} is documentation; any
 * other file is an error, so nothing in a folder is silently left out. Tests count the cases of the folder they read
 * ({@link #caseFiles()}, {@link #casesOf}), never the public set's numbers.
 */
public final class GoldenFolder {
    /** The system property that names another folder of cases. */
    public static final String PROPERTY = "sparkgrad.golden.dir";
    /** The class-path folder of the bundled copy. */
    static final String RESOURCE = "golden";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final String origin;
    private Map<Path, String> ops;

    private GoldenFolder(Path dir, String origin) {
        this.dir = dir;
        this.origin = origin;
    }

    /** The folder named by {@code -Dsparkgrad.golden.dir}, else the bundled copy. */
    public static GoldenFolder locate() {
        return locate(System.getProperty(PROPERTY));
    }

    /** The folder {@code configured} (the property's value; null or blank for the bundled copy). */
    public static GoldenFolder locate(String configured) {
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                throw new IllegalStateException("golden folder " + dir + " (system property " + PROPERTY + "=" + configured
                        + ") does not exist; point -D" + PROPERTY + "=<folder> at a folder of golden JSON cases, or leave it"
                        + " unset for the copy in core-tensor's test resources");
            }
            return new GoldenFolder(dir, "system property " + PROPERTY);
        }
        return new GoldenFolder(bundled(), "core-tensor's test resources");
    }

    /** The bundled copy on the class path: a folder under target/test-classes, or a folder inside the test-jar. */
    private static Path bundled() {
        URL readme = GoldenFolder.class.getResource("/" + RESOURCE + "/README.md");
        if (readme == null) {
            throw new IllegalStateException("no " + RESOURCE + "/README.md on the class path: the golden cases live in core-tensor's"
                    + " src/test/resources/" + RESOURCE + " (a module other than core-tensor needs core-tensor's test-jar as a test"
                    + " dependency), or set -D" + PROPERTY + "=<folder>");
        }
        try {
            URI uri = readme.toURI();
            if (uri.getScheme().equals("jar")) {
                try {
                    FileSystems.newFileSystem(uri, Map.of());
                } catch (FileSystemAlreadyExistsException alreadyOpen) {
                    // Opened by an earlier call in this JVM: Path.of(uri) finds it.
                }
            }
            return Path.of(uri).getParent();
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot open the golden folder at " + readme, e);
        }
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    /** The folder's case {@code name}: {@code resolve("sgd_lr0.1.json")}. */
    public Path resolve(String file) {
        return dir.resolve(file);
    }

    /** Every case of the folder (its {@code *.json} files), sorted by name; fails on a file that is neither a case nor a README. */
    public List<Path> caseFiles() {
        List<Path> cases = new ArrayList<>();
        List<String> strays = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                String name = p.getFileName().toString();
                if (Files.isRegularFile(p) && name.endsWith(".json")) {
                    cases.add(p);
                } else if (!(Files.isRegularFile(p) && name.startsWith("README"))) {
                    strays.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the golden folder " + dir, e);
        }
        if (!strays.isEmpty()) {
            throw new IllegalStateException("golden folder " + dir + " holds " + strays + ", which are neither cases (*.json) nor a"
                    + " README: remove them, or give a case the .json extension");
        }
        return cases;
    }

    /** The cases whose {@code op} field is one of {@code ops}, sorted by name. */
    public List<Path> casesOf(String... ops) {
        Set<String> wanted = Set.of(ops);
        return opsByCase().entrySet().stream().filter(e -> wanted.contains(e.getValue())).map(Map.Entry::getKey).toList();
    }

    /** How many cases of each op the folder holds, by op name. */
    public Map<String, Integer> countsByOp() {
        Map<String, Integer> counts = new TreeMap<>();
        for (String op : opsByCase().values()) {
            counts.merge(op, 1, Integer::sum);
        }
        return counts;
    }

    /** Reads one case file as JSON (from a folder or from inside a jar). */
    public static JsonNode readJson(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read golden case " + file, e);
        }
    }

    private synchronized Map<Path, String> opsByCase() {
        if (ops == null) {
            Map<Path, String> m = new LinkedHashMap<>();
            for (Path p : caseFiles()) {
                JsonNode op = readJson(p).get("op");
                if (op == null || !op.isTextual()) {
                    throw new IllegalStateException("golden case " + p + " has no text field 'op'");
                }
                m.put(p, op.asText());
            }
            ops = m;
        }
        return ops;
    }

    /** For test output: the folder, where it came from, and its cases by op. */
    @Override
    public String toString() {
        return caseFiles().size() + " golden cases in " + dir + " (" + origin + "): " + countsByOp();
    }
}
