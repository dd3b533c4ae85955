package io.sparkgrad.ingest.download;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.sparkgrad.ingest.BadInputException;
import io.sparkgrad.ingest.testutil.TestFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download against loopback HTTP mirrors serving the real subset files. */
class ChecksummedDownloaderTest {

    @TempDir
    Path tmp;

    private HttpServer server;
    /** path -> bytes served; absent -> 404. */
    private final Map<String, byte[]> served = new ConcurrentHashMap<>();
    /** path -> number of requests still to answer with HTTP 500. */
    private final Map<String, AtomicInteger> failFirst = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();

    private final byte[] labels = TestFiles.subsetBytes("train-labels-idx1-ubyte.gz");
    private final byte[] images = TestFiles.subsetBytes("t10k-images-idx3-ubyte.gz");
    private final DownloadTarget labelsTarget = new DownloadTarget("train-labels-idx1-ubyte", sha(labels));
    private final DownloadTarget imagesTarget = new DownloadTarget("t10k-images-idx3-ubyte", sha(images));

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            String p = ex.getRequestURI().getPath();
            AtomicInteger f = failFirst.get(p);
            byte[] body = served.get(p);
            int status = f != null && f.getAndDecrement() > 0 ? 500 : body == null ? 404 : 200;
            byte[] out = status == 200 ? body : new byte[0];
            ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI base(String folder) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + folder + "/");
    }

    private HttpMirrorSource mirror(String folder) {
        return new HttpMirrorSource(base(folder), true, Duration.ofSeconds(5));
    }

    private ChecksummedDownloader.Builder downloader(Path cache) {
        return ChecksummedDownloader.builder().cacheDir(cache).backoff(Duration.ZERO).howToProvide("HOW TO PROVIDE");
    }

    private static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void fetchesGzipFilesDecompressesAndVerifiesThem() throws Exception {
        served.put("/a/train-labels-idx1-ubyte.gz", TestFiles.gzip(labels));
        served.put("/a/t10k-images-idx3-ubyte.gz", TestFiles.gzip(images));
        Path cache = tmp.resolve("cache");
        downloader(cache).source(mirror("a")).build().ensure(List.of(labelsTarget, imagesTarget));
        assertArrayEquals(labels, Files.readAllBytes(cache.resolve("train-labels-idx1-ubyte")));
        assertArrayEquals(images, Files.readAllBytes(cache.resolve("t10k-images-idx3-ubyte")));
        assertEquals(List.of("t10k-images-idx3-ubyte", "train-labels-idx1-ubyte"), listing(cache));
        int before = requests.get();
        downloader(cache).source(mirror("a")).build().ensure(List.of(labelsTarget, imagesTarget));
        assertEquals(before, requests.get(), "verified cached files are not fetched again");
    }

    @Test
    void triesMirrorsInOrderPastMissingFilesAndBadBytes() throws Exception {
        // Mirror a lacks the file (404), mirror b serves different bytes (checksum mismatch), mirror c is right.
        byte[] wrong = labels.clone();
        wrong[100] ^= 1;
        served.put("/b/train-labels-idx1-ubyte.gz", TestFiles.gzip(wrong));
        served.put("/c/train-labels-idx1-ubyte.gz", TestFiles.gzip(labels));
        Path cache = tmp.resolve("cache");
        java.util.List<String> log = new java.util.ArrayList<>();
        downloader(cache).source(mirror("a")).source(mirror("b")).source(mirror("c")).log(log::add).build()
                .ensure(List.of(labelsTarget));
        assertArrayEquals(labels, Files.readAllBytes(cache.resolve("train-labels-idx1-ubyte")));
        assertTrue(log.stream().anyMatch(l -> l.contains("/a/") && l.contains("does not have it")), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.contains("/b/") && l.contains("checksum mismatch")), log.toString());
        assertEquals(List.of("train-labels-idx1-ubyte"), listing(cache));
    }

    @Test
    void retriesTransientFailures() throws Exception {
        served.put("/a/train-labels-idx1-ubyte.gz", TestFiles.gzip(labels));
        failFirst.put("/a/train-labels-idx1-ubyte.gz", new AtomicInteger(2));
        Path cache = tmp.resolve("cache");
        downloader(cache).attempts(3).source(mirror("a")).build().ensure(List.of(labelsTarget));
        assertEquals(3, requests.get());
        assertArrayEquals(labels, Files.readAllBytes(cache.resolve("train-labels-idx1-ubyte")));
    }

    @Test
    void nothingObtainableGivesAClearMessageAndLeavesNothingInTheCache() throws Exception {
        byte[] wrong = images.clone();
        wrong[5000] ^= 1;
        served.put("/a/t10k-images-idx3-ubyte.gz", TestFiles.gzip(wrong));
        // A truncated gzip stream: the download fails part-way, with bytes already written to the temporary file.
        byte[] gz = TestFiles.gzip(labels);
        served.put("/a/train-labels-idx1-ubyte.gz", java.util.Arrays.copyOf(gz, gz.length - 20));
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        HttpMirrorSource unreachable = new HttpMirrorSource(URI.create("http://127.0.0.1:" + closedPort + "/x/"), true, Duration.ofSeconds(5));
        Path cache = tmp.resolve("cache");
        DataUnavailableException e = assertThrows(DataUnavailableException.class, () -> downloader(cache).attempts(2)
                .source(unreachable).source(mirror("a")).build().ensure(List.of(labelsTarget, imagesTarget)));
        String m = e.getMessage();
        assertEquals(List.of("train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"), e.missing());
        assertTrue(m.contains("missing from " + cache), m);
        assertTrue(m.contains("unreachable"), m);
        assertTrue(m.contains("skipped (unreachable earlier in this run)"), "an unreachable source is asked once: " + m);
        assertTrue(m.contains("attempt 2 of 2 failed"), m);
        assertTrue(m.contains("checksum mismatch (SHA-256 of the decompressed t10k-images-idx3-ubyte is"), m);
        assertTrue(m.endsWith("HOW TO PROVIDE"), m);
        assertEquals(List.of(), listing(cache), "no partial or unverified file is left in the cache");
    }

    /** How a stalling server sends the rest of the body; {@code release} is counted down when the test is done. */
    private interface Rest {
        void send(OutputStream os, CountDownLatch release) throws Exception;
    }

    /** A test run against the stalling server's mirror folder {@code base}. */
    private interface AgainstServer {
        void run(URI base) throws Exception;
    }

    /**
     * Runs {@code test} against a server on its own thread pool (so that a handler that never finishes cannot block
     * the server's stop) that sends the headers of {@code body}, then calls {@code rest} with the open response
     * stream; afterwards releases the handler and stops the server.
     */
    private static void withStallingServer(byte[] body, Rest rest, AgainstServer test) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newCachedThreadPool();
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.setExecutor(pool);
        s.createContext("/", ex -> {
            ex.sendResponseHeaders(200, body.length);
            OutputStream os = ex.getResponseBody();
            try {
                rest.send(os, release);
            } catch (Exception e) {
                // the client went away or the test released the handler
            }
            ex.close();
        });
        s.start();
        try {
            test.run(URI.create("http://127.0.0.1:" + s.getAddress().getPort() + "/m/"));
        } finally {
            release.countDown();
            s.stop(0);
            pool.shutdownNow();
        }
    }

    /** How a fetch failed, and how long it took to. */
    private record TimedFailure(DataUnavailableException e, double seconds) {
    }

    /** Fetches the images from {@code source} alone, with {@code attempts} attempts, and expects it to fail. */
    private TimedFailure fetchImagesFails(HttpMirrorSource source, int attempts) {
        long t0 = System.nanoTime();
        DataUnavailableException e = assertThrows(DataUnavailableException.class,
                () -> downloader(tmp.resolve("cache")).attempts(attempts).source(source).build().ensure(List.of(imagesTarget)));
        return new TimedFailure(e, (System.nanoTime() - t0) / 1e9);
    }

    @Test
    void aServerThatStallsMidBodyFailsTheFetchWithinTheReadTimeoutNamingTheAddress() throws Exception {
        byte[] gz = TestFiles.gzip(images);
        withStallingServer(gz, (os, release) -> {
            os.write(gz, 0, gz.length / 2);
            os.flush();
            release.await(60, TimeUnit.SECONDS);   // then nothing: the connection stays open, the body never ends
        }, base -> {
            TimedFailure f = fetchImagesFails(new HttpMirrorSource(base, true, Duration.ofMillis(700), Duration.ofSeconds(60)), 2);
            assertTrue(f.seconds() < 20, "two attempts of a 0.7 s read timeout took " + f.seconds() + " s, not the stalled server's minute");
            String m = f.e().getMessage();
            assertTrue(m.contains(base + "t10k-images-idx3-ubyte.gz: the server sent nothing for 700 ms after " + gz.length / 2
                    + " bytes (read timeout)"), m);
            assertTrue(m.contains("attempt 2 of 2 failed"), "a stall is retried: " + m);
            assertEquals(List.of(), listing(tmp.resolve("cache")), "no partial file is left");
        });
    }

    @Test
    void aServerThatTricklesIsCutOffAtTheDeadline() throws Exception {
        byte[] gz = TestFiles.gzip(images);
        withStallingServer(gz, (os, release) -> {
            // one byte every 100 ms: never silent for the 2 s read timeout, and far too slow to finish
            for (int i = 0; i < gz.length && !release.await(100, TimeUnit.MILLISECONDS); i++) {
                os.write(gz[i]);
                os.flush();
            }
        }, base -> {
            TimedFailure f = fetchImagesFails(new HttpMirrorSource(base, true, Duration.ofSeconds(2), Duration.ofMillis(1500)), 1);
            assertTrue(f.seconds() >= 1.4 && f.seconds() < 20, "a 1.5 s deadline ended the fetch after " + f.seconds()
                    + " s, not the trickle's hours");
            assertTrue(f.e().getMessage().contains(base + "t10k-images-idx3-ubyte.gz: the file did not arrive within the deadline of 1500 ms ("),
                    f.e().getMessage());
        });
    }

    /** A cache folder holding the training labels with one wrong byte (same length, so only the checksum can tell). */
    private Path cacheWithCorruptLabels() throws IOException {
        Path cache = Files.createDirectories(tmp.resolve("cache"));
        byte[] wrong = labels.clone();
        wrong[9] = 7;
        Files.write(cache.resolve("train-labels-idx1-ubyte"), wrong);
        return cache;
    }

    @Test
    void corruptCachedFileIsReplacedAndStalePartFilesAreRemoved() throws Exception {
        Path cache = cacheWithCorruptLabels();
        Files.write(cache.resolve(".train-labels-idx1-ubyte.123.part"), new byte[10]);
        served.put("/a/train-labels-idx1-ubyte.gz", TestFiles.gzip(labels));
        downloader(cache).source(mirror("a")).build().ensure(List.of(labelsTarget));
        assertArrayEquals(labels, Files.readAllBytes(cache.resolve("train-labels-idx1-ubyte")));
        assertEquals(List.of("train-labels-idx1-ubyte"), listing(cache));
    }

    @Test
    void verifyOnlyReportsAChecksumMismatchNamingTheFile() throws Exception {
        Path cache = cacheWithCorruptLabels();
        BadInputException e = assertThrows(BadInputException.class, () -> downloader(cache).build().verify(List.of(labelsTarget)));
        assertTrue(e.getMessage().contains(cache.resolve("train-labels-idx1-ubyte").toString())
                && e.getMessage().contains("checksum mismatch") && e.getMessage().contains(labelsTarget.sha256()), e.getMessage());
        DataUnavailableException missing = assertThrows(DataUnavailableException.class,
                () -> downloader(cache).build().verify(List.of(labelsTarget, imagesTarget)));
        assertEquals(List.of("t10k-images-idx3-ubyte"), missing.missing());
    }
}
