package io.sparkgrad.ingest.download;

import java.io.IOException;

/** A {@link DownloadSource} cannot be reached at all (no network, no such host, tool not installed). */
public class SourceUnavailableException extends IOException {

    public SourceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
