package io.sparkgrad.ingest;

import java.io.IOException;

/**
 * Input that cannot be used as it is: a wrong magic number, a truncated or corrupt file, a count or shape that
 * does not match, a label out of range, a checksum mismatch, a malformed CSV row. The message always names the
 * file, where in it the problem is (a byte offset, a record or a row) and what is wrong.
 */
public class BadInputException extends IOException {

    private final String file;
    private final String location;

    /**
     * @param file     the file (or path) the bad input came from
     * @param location where in the file, e.g. {@code "byte offset 8"} or {@code "row 12"}; null when it is the whole file
     * @param problem  what is wrong, and where useful what was expected
     */
    public BadInputException(String file, String location, String problem) {
        this(file, location, problem, null);
    }

    /** Like {@link #BadInputException(String, String, String)}, keeping the low-level cause. */
    public BadInputException(String file, String location, String problem, Throwable cause) {
        super(file + (location == null ? "" : " at " + location) + ": " + problem, cause);
        this.file = file;
        this.location = location;
    }

    /** The file (or path) the bad input came from. */
    public String file() {
        return file;
    }

    /** Where in the file, e.g. {@code "byte offset 8"}; null when the problem concerns the whole file. */
    public String location() {
        return location;
    }
}
