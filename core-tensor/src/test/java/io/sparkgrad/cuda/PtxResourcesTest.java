package io.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed PTX (resources io/sparkgrad/cuda/ptx) is what the CUDA sources (src/main/cuda) compile to: every source
 * has its PTX, whose recorded hash is the source's (checked everywhere), and, where nvcc exists, compiling again gives
 * the very same files (skipped, and counted as skipped, where it does not). Every PTX entry matches {@link CudaKernel}.
 */
class PtxResourcesTest {
    private static final Path SOURCES = Path.of("src/main/cuda");
    private static final String PTX = "/io/sparkgrad/cuda/ptx/";
    private static final Pattern ENTRY = Pattern.compile("\\.visible \\.entry (\\w+)\\(([^)]*)\\)", Pattern.DOTALL);
    private static final Pattern PARAM = Pattern.compile("\\.param \\.(\\w+) \\w+");

    private static String resource(String name) throws IOException {
        try (InputStream in = PtxResourcesTest.class.getResourceAsStream(PTX + name)) {
            assertNotNull(in, "missing resource " + PTX + name + ": run scripts/build-ptx");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> names(String suffix) throws IOException {
        try (Stream<Path> files = Files.list(SOURCES)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }

    /** sha256 of name.cu followed by every .cuh in name order, as scripts/build-ptx records it. */
    private static String sourceHash(String cu) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(Files.readAllBytes(SOURCES.resolve(cu)));
        for (String header : names(".cuh")) {
            sha.update(Files.readAllBytes(SOURCES.resolve(header)));
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static Map<String, String> manifest() throws IOException {
        Map<String, String> hashes = new TreeMap<>();
        for (String line : resource("MANIFEST").split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                Matcher m = Pattern.compile("(\\w+) sha256=(\\p{XDigit}{64}) .*isa=8\\.0 target=compute_75").matcher(line);
                assertTrue(m.matches(), "malformed MANIFEST line: " + line);
                hashes.put(m.group(1), m.group(2));
            }
        }
        return hashes;
    }

    @Test
    void everySourceHasPtxBuiltFromItsCurrentText() throws Exception {
        Map<String, String> recorded = manifest();
        List<String> sources = names(".cu");
        assertEquals(sources.stream().map(s -> s.replace(".cu", "")).sorted().toList(), List.copyOf(recorded.keySet()),
                "one PTX per source, no PTX without a source");
        for (String cu : sources) {
            String name = cu.replace(".cu", "");
            assertEquals(recorded.get(name), sourceHash(cu), cu + " changed since its PTX was built: run scripts/build-ptx");
            String ptx = resource(name + ".ptx");
            // ISA 8.0 is what CUDA 12.0+ drivers, and so CUDA 13 ones, load; a newer one fails with error 222 on CUDA 12.
            assertTrue(ptx.contains("\n.version 8.0\n") && ptx.contains("\n.target sm_75\n"), name + ".ptx header");
        }
    }

    @Test
    void thePtxEntriesAreExactlyTheKernelTable() throws Exception {
        Map<String, String> found = new TreeMap<>();
        for (String module : manifest().keySet()) {
            Matcher entry = ENTRY.matcher(resource(module + ".ptx"));
            while (entry.find()) {
                Matcher param = PARAM.matcher(entry.group(2));
                StringBuilder letters = new StringBuilder();
                while (param.find()) {
                    letters.append(switch (param.group(1)) {
                        case "u64" -> 'p';
                        case "u32", "s32" -> 'i';
                        case "f32" -> 'f';
                        default -> throw new AssertionError("unexpected PTX parameter type ." + param.group(1));
                    });
                }
                found.put(entry.group(1), module + ":" + letters);
            }
        }
        Map<String, String> table = Stream.of(CudaKernel.values())
                .collect(Collectors.toMap(CudaKernel::entry, k -> k.module() + ":" + k.params(), (a, b) -> a, TreeMap::new));
        assertEquals(table, found);
    }

    /** Where nvcc exists, scripts/build-ptx --check recompiles every source and compares with the committed files. */
    @Test
    void recompilingGivesTheCommittedPtx() throws Exception {
        assumeTrue(onPath("nvcc"), "nvcc is not on the PATH: PTX freshness is checked by hash only");
        String recordedNvcc = resource("MANIFEST").lines().filter(l -> !l.startsWith("#")).findFirst().orElseThrow()
                .replaceAll(".* nvcc=(\\S+) .*", "$1");
        Process version = new ProcessBuilder("nvcc", "--version").redirectErrorStream(true).start();
        String text = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // Another nvcc writes other PTX from the same source (register numbering, comments): only the same one must match.
        assumeTrue(text.contains("V" + recordedNvcc), "the PTX was built by nvcc " + recordedNvcc + "; this one is " + text);
        Process check = new ProcessBuilder("../scripts/build-ptx", "--check").redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(300, TimeUnit.SECONDS), "build-ptx --check timed out");
        assertEquals(0, check.exitValue(), out);
    }

    /** Whether an executable {@code tool} is on the PATH (nvcc here, g++ for the emulator). */
    static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, tool)));
    }
}
