package io.sparkgrad.ingest.download;

import java.io.FileNotFoundException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPInputStream;

/**
 * A web mirror holding the targets as {@code base + name} (or {@code base + name + ".gz"} when
 * {@code gzipped}, decompressed on the fly). A missing file (HTTP 404/410) is reported as
 * {@link FileNotFoundException}; an unknown host or a refused or timed-out connection as
 * {@link SourceUnavailableException}.
 *
 * <p>No peer can stall a fetch: every read of the response waits at most the read timeout (a server that stops
 * sending mid-body fails the attempt), and a whole file must arrive within the deadline (a server that sends a byte
 * now and then, never tripping the read timeout, is cut off then). Both failures are {@link IOException}s naming
 * the address and the bytes received, which the downloader retries.
 */
public final class HttpMirrorSource implements DownloadSource {

    /** The deadline for one file when none is given: MNIST's largest file at about 20 KB/s. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(10);

    private final URI base;
    private final boolean gzipped;
    private final Duration timeout;
    private final Duration deadline;

    /** A mirror with {@code timeout} to connect and between reads, and {@link #DEFAULT_DEADLINE} per file. */
    public HttpMirrorSource(URI base, boolean gzipped, Duration timeout) {
        this(base, gzipped, timeout, DEFAULT_DEADLINE);
    }

    /**
     * @param base     the folder address, ending in {@code /}
     * @param gzipped  whether the mirror serves {@code name.gz} files
     * @param timeout  connect timeout, and the longest wait for any read of the response (headers or body)
     * @param deadline the longest a whole file may take, from connecting to its last byte
     */
    public HttpMirrorSource(URI base, boolean gzipped, Duration timeout, Duration deadline) {
        if (!base.toString().endsWith("/")) {
            throw new IllegalArgumentException("a mirror's base address ends with '/': " + base);
        }
        if (timeout.isNegative() || timeout.isZero() || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("a mirror's timeout and deadline must be positive, got " + timeout + " and " + deadline);
        }
        this.base = base;
        this.gzipped = gzipped;
        this.timeout = timeout;
        this.deadline = deadline;
    }

    @Override
    public String describe() {
        return base + (gzipped ? " (.gz files)" : "");
    }

    @Override
    public void fetch(DownloadTarget target, OutputStream out) throws IOException {
        URI uri = base.resolve(target.name() + (gzipped ? ".gz" : ""));
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setConnectTimeout(millis(timeout));
        c.setReadTimeout(millis(timeout));
        c.setInstanceFollowRedirects(true);
        // The deadline, checked after every read in this thread: a trickle returns reads often, and a silent server is
        // cut off by the read timeout. (Disconnecting from a watchdog thread could deadlock HttpURLConnection's
        // stream lock: a CI run hung ten minutes in this source's own trickle test.)
        long deadlineNanos = System.nanoTime() + deadline.toNanos();
        AtomicBoolean expired = new AtomicBoolean();
        long[] received = {0};
        try {
            try {
                c.connect();
            } catch (UnknownHostException | ConnectException | NoRouteToHostException | SocketTimeoutException e) {
                throw new SourceUnavailableException(uri + ": cannot connect (" + e + ")", e);
            }
            int status = c.getResponseCode();
            if (status == 404 || status == 410) {
                throw new FileNotFoundException(uri + ": HTTP " + status);
            }
            if (status != 200) {
                throw new IOException(uri + ": HTTP " + status);
            }
            try (InputStream body = new Counting(c.getInputStream(), received, deadlineNanos, expired);
                 InputStream in = gzipped ? new GZIPInputStream(body, 1 << 16) : body) {
                in.transferTo(out);
            }
        } catch (SourceUnavailableException | FileNotFoundException e) {
            throw e;
        } catch (IOException e) {
            if (expired.get()) {
                throw new IOException(uri + ": the file did not arrive within the deadline of " + deadline.toMillis() + " ms ("
                        + received[0] + " bytes received)", e);
            }
            if (e instanceof SocketTimeoutException) {
                throw new IOException(uri + ": the server sent nothing for " + timeout.toMillis() + " ms after " + received[0]
                        + " bytes (read timeout)", e);
            }
            throw e.getMessage() != null && e.getMessage().contains(uri.toString()) ? e : new IOException(uri + ": " + e, e);
        } finally {
            c.disconnect();
        }
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    /** Counts the body bytes read, for messages, and ends the body once the deadline has passed. */
    private static final class Counting extends FilterInputStream {
        private final long[] count;
        private final long deadlineNanos;
        private final AtomicBoolean expired;

        Counting(InputStream in, long[] count, long deadlineNanos, AtomicBoolean expired) {
            super(in);
            this.count = count;
            this.deadlineNanos = deadlineNanos;
            this.expired = expired;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count[0]++;
            }
            checkDeadline();
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count[0] += n;
            }
            checkDeadline();
            return n;
        }

        private void checkDeadline() throws IOException {
            if (System.nanoTime() - deadlineNanos > 0) {
                expired.set(true);
                throw new IOException("deadline passed");
            }
        }
    }
}
