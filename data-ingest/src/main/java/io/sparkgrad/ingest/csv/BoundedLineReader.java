package io.sparkgrad.ingest.csv;

import io.sparkgrad.ingest.BadInputException;
import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;

/**
 * Reads lines like {@link java.io.BufferedReader#readLine()} ({@code \n}, {@code \r\n} or {@code \r} end a line), but
 * refuses a line longer than a limit instead of growing a buffer without bound: a file without line breaks (a binary
 * file given as CSV, a corrupt download) fails at once with the file and line number, not with an
 * {@link OutOfMemoryError}. Not thread-safe.
 */
final class BoundedLineReader implements Closeable {

    private final Reader in;
    private final String name;
    private final int maxChars;
    private final char[] buf = new char[1 << 16];
    private int pos;
    private int end;
    private long line;
    private boolean skipLf;

    /**
     * @param in       the characters
     * @param name     the file, for messages
     * @param maxChars the longest line accepted (without its terminator)
     */
    BoundedLineReader(Reader in, String name, int maxChars) {
        this.in = in;
        this.name = name;
        this.maxChars = maxChars;
    }

    /** The next line without its terminator, or null at the end of the input. */
    String readLine() throws IOException {
        StringBuilder s = null;
        while (true) {
            if (pos == end) {
                end = in.read(buf, 0, buf.length);
                pos = 0;
                if (end <= 0) {
                    end = 0;
                    if (s == null) {
                        return null;
                    }
                    line++;
                    return s.toString();
                }
            }
            if (skipLf) {
                skipLf = false;
                if (buf[pos] == '\n') {
                    pos++;
                    continue;
                }
            }
            int start = pos;
            while (pos < end && buf[pos] != '\n' && buf[pos] != '\r') {
                pos++;
            }
            int len = pos - start;
            int have = s == null ? 0 : s.length();
            if ((long) have + len > maxChars) {
                throw new BadInputException(name, "line " + (line + 1), "the line is longer than " + maxChars
                        + " characters, more than a row of this file can be; is it a CSV file with line breaks?");
            }
            if (s == null) {
                s = new StringBuilder(Math.min(maxChars, Math.max(16, len)));
            }
            s.append(buf, start, len);
            if (pos < end) {
                skipLf = buf[pos] == '\r';
                pos++;
                line++;
                return s.toString();
            }
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
