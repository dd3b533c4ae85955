package io.sparkgrad.ingest.download;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.zip.GZIPInputStream;

/**
 * A web mirror holding the targets as {@code base + name} (or {@code base + name + ".gz"} when
 * {@code gzipped}, decompressed on the fly). A missing file (HTTP 404/410) is reported as
 * {@link FileNotFoundException}; an unknown host or a refused connection as {@link SourceUnavailableException}.
 */
public final class HttpMirrorSource implements DownloadSource {

    private final URI base;
    private final boolean gzipped;
    private final Duration timeout;
    private final HttpClient client;

    /**
     * @param base    the folder address, ending in {@code /}
     * @param gzipped whether the mirror serves {@code name.gz} files
     * @param timeout connect timeout, and the longest wait for a whole file
     */
    public HttpMirrorSource(URI base, boolean gzipped, Duration timeout) {
        if (!base.toString().endsWith("/")) {
            throw new IllegalArgumentException("a mirror's base address ends with '/': " + base);
        }
        this.base = base;
        this.gzipped = gzipped;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    @Override
    public String describe() {
        return base + (gzipped ? " (.gz files)" : "");
    }

    @Override
    public void fetch(DownloadTarget target, OutputStream out) throws IOException {
        URI uri = base.resolve(target.name() + (gzipped ? ".gz" : ""));
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        HttpResponse<InputStream> resp;
        try {
            resp = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (UnknownHostException | ConnectException | HttpConnectTimeoutException e) {
            throw new SourceUnavailableException(uri + ": cannot connect (" + e + ")", e);
        } catch (IOException e) {
            // The HTTP client wraps connect failures; look through the chain for the ones that mean "unreachable".
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof UnknownHostException || c instanceof ConnectException) {
                    throw new SourceUnavailableException(uri + ": cannot connect (" + c + ")", e);
                }
            }
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(uri + ": interrupted", e);
        }
        try (InputStream body = resp.body()) {
            int status = resp.statusCode();
            if (status == 404 || status == 410) {
                throw new FileNotFoundException(uri + ": HTTP " + status);
            }
            if (status != 200) {
                throw new IOException(uri + ": HTTP " + status);
            }
            try (InputStream in = gzipped ? new GZIPInputStream(body, 1 << 16) : body) {
                in.transferTo(out);
            }
        }
    }
}
