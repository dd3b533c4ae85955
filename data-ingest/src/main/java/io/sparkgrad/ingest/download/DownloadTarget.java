package io.sparkgrad.ingest.download;

import java.util.regex.Pattern;

/**
 * A file to fetch into a cache: its name there and the SHA-256 its decompressed bytes must have.
 *
 * @param name   file name in the cache folder (no folders)
 * @param sha256 lower-case hex SHA-256 of the file's (decompressed) bytes
 */
public record DownloadTarget(String name, String sha256) {

    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    public DownloadTarget {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("a cache file name is a plain name not starting with '.', not '" + name + "'");
        }
        if (!HEX64.matcher(sha256).matches()) {
            throw new IllegalArgumentException(name + ": a SHA-256 is 64 lower-case hex digits, not '" + sha256 + "'");
        }
    }
}
