package io.sparkgrad.ingest.download;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Somewhere a {@link DownloadTarget} can be fetched from: a web mirror, a package. A source writes the target's
 * decompressed bytes; the {@link ChecksummedDownloader} checks them and decides whether to keep them.
 *
 * <p>Exceptions tell the downloader what to do next: {@link java.io.FileNotFoundException} means the source
 * does not have the file (no retry), {@link SourceUnavailableException} means the source cannot be reached at
 * all (no retry, and no further files asked of it), any other {@link IOException} is retried.
 */
public interface DownloadSource extends Closeable {

    /** What this source is, for messages, e.g. a mirror's base address. */
    String describe();

    /** Writes the decompressed bytes of {@code target} to {@code out}. */
    void fetch(DownloadTarget target, OutputStream out) throws IOException;

    /** Releases what the source holds (temporary files, connections). */
    @Override
    default void close() throws IOException {
    }
}
