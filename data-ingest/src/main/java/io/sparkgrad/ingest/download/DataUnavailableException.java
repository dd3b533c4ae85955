package io.sparkgrad.ingest.download;

import java.io.IOException;
import java.util.List;

/**
 * Files that a program needs are neither in the cache nor obtainable from any source. The message names the
 * missing files, the cache folder, what each source said, and how to provide the files by hand.
 */
public class DataUnavailableException extends IOException {

    private final List<String> missing;

    public DataUnavailableException(String message, List<String> missing) {
        super(message);
        this.missing = List.copyOf(missing);
    }

    /** The names of the files that are missing. */
    public List<String> missing() {
        return missing;
    }
}
