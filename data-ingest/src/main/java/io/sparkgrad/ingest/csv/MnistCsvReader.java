package io.sparkgrad.ingest.csv;

import io.sparkgrad.ingest.BadInputException;
import io.sparkgrad.ingest.image.AbstractLabeledImageReader;
import io.sparkgrad.ingest.image.Labels;
import io.sparkgrad.ingest.io.HadoopFiles;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Reads the common MNIST CSV layout, {@code label,pixel0,...,pixelN-1} with integer pixels 0-255, one image a
 * line, from any Hadoop file system (gzip recognised from the bytes).
 *
 * <p>A header line is recognised by its first character: a line that starts with a letter (as
 * {@code label,pixel0,...}) is a header; its width is checked like a row's. Blank lines are skipped. A row of
 * the wrong width, a value that is not an integer, a pixel outside 0-255 or a label outside 0-9 is a
 * {@link BadInputException} naming the file, the line (1-based, counting the header) and the column.
 */
public final class MnistCsvReader extends AbstractLabeledImageReader {

    private final Path path;
    private final Configuration conf;
    private final String name;
    private final int pixels;
    private final int maxLine;
    private final BoundedLineReader in;
    private long line;

    private MnistCsvReader(Path path, Configuration conf, int rows, int cols) throws IOException {
        super(rows, cols);
        this.path = path;
        this.conf = conf;
        this.name = path.toString();
        this.pixels = Math.multiplyExact(rows, cols);
        this.maxLine = maxLineChars(pixels);
        this.in = open();
    }

    /**
     * The longest line accepted for {@code pixels} pixels: 16 characters a value (9 digits, a comma, spaces) and room
     * for a header line. Longer lines are refused before they are buffered.
     */
    static int maxLineChars(int pixels) {
        return (int) Math.min(Integer.MAX_VALUE - 16, 16L * (pixels + 1) + 4096);
    }

    private BoundedLineReader open() throws IOException {
        return new BoundedLineReader(new InputStreamReader(HadoopFiles.openMaybeGzip(path, conf), StandardCharsets.US_ASCII), name, maxLine);
    }

    /** Opens a CSV of {@code rows x cols} images (MNIST: 28 x 28, so 785 values a line). */
    public static MnistCsvReader open(Path path, Configuration conf, int rows, int cols) throws IOException {
        return new MnistCsvReader(path, conf, rows, cols);
    }

    /** Rows in the file (not counting a header); counted with a separate pass the first time. */
    @Override
    public long count() throws IOException {
        return countOnce(this::countRows);
    }

    private long countRows() throws IOException {
        long n = 0;
        boolean first = true;
        try (BoundedLineReader r = open()) {
            String s;
            while ((s = readLine(r, n)) != null) {
                if (s.isBlank()) {
                    continue;
                }
                if (!(first && isHeader(s))) {
                    n++;
                }
                first = false;
            }
        }
        return n;
    }

    @Override
    public int read(byte[] px, int[] labels, int max) throws IOException {
        int n = 0;
        while (n < max) {
            String s = nextLine();
            if (s == null) {
                break;
            }
            if (s.isBlank()) {
                continue;
            }
            if (line == firstContentLine && isHeader(s)) {
                checkWidth(s);
                continue;
            }
            parseRow(s, px, n * pixels, labels, n);
            n++;
        }
        return n;
    }

    private long firstContentLine = -1;

    private String nextLine() throws IOException {
        String s;
        try {
            s = in.readLine();
        } catch (ZipException | EOFException e) {
            throw new BadInputException(name, "line " + (line + 1), "corrupt or truncated gzip data (" + e.getMessage() + ")", e);
        }
        if (s != null) {
            line++;
            if (firstContentLine < 0 && !s.isBlank()) {
                firstContentLine = line;
            }
        }
        return s;
    }

    /** readLine for the counting pass, with gzip failures reported like the reading pass does. */
    private String readLine(BoundedLineReader r, long rowsSoFar) throws IOException {
        try {
            return r.readLine();
        } catch (ZipException | EOFException e) {
            throw new BadInputException(name, "after row " + rowsSoFar, "corrupt or truncated gzip data (" + e.getMessage() + ")", e);
        }
    }

    private static boolean isHeader(String s) {
        String t = s.stripLeading();
        return !t.isEmpty() && Character.isLetter(t.charAt(0));
    }

    private void checkWidth(String s) throws BadInputException {
        int fields = 1;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == ',') {
                fields++;
            }
        }
        if (fields != pixels + 1) {
            throw new BadInputException(name, "line " + line, fields + " values, expected " + (pixels + 1)
                    + " (label + " + pixels + " pixels of " + rows() + "x" + cols() + " images)");
        }
    }

    /** Parses one row without splitting it into strings: label, then exactly {@code pixels} values. */
    private void parseRow(String s, byte[] px, int pxOff, int[] labels, int labelIdx) throws BadInputException {
        checkWidth(s);
        int len = s.length();
        int pos = 0;
        for (int field = 0; field <= pixels; field++) {
            int end = s.indexOf(',', pos);
            if (end < 0) {
                end = len;
            }
            int v = parseInt(s, pos, end, field);
            if (field == 0) {
                Labels.check(v, name, "line " + line + ", column 1");
                labels[labelIdx] = v;
            } else {
                if (v > 255) {
                    throw new BadInputException(name, "line " + line + ", column " + (field + 1), "pixel value " + v + " is outside 0-255");
                }
                px[pxOff + field - 1] = (byte) v;
            }
            pos = end + 1;
        }
    }

    private int parseInt(String s, int from, int to, int field) throws BadInputException {
        int a = from;
        int b = to;
        while (a < b && s.charAt(a) == ' ') {
            a++;
        }
        while (b > a && (s.charAt(b - 1) == ' ' || s.charAt(b - 1) == '\r')) {
            b--;
        }
        int v = 0;
        boolean ok = a < b && b - a <= 9;
        for (int i = a; ok && i < b; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                ok = false;
            } else {
                v = v * 10 + (c - '0');
            }
        }
        if (!ok) {
            String tok = s.substring(from, to);
            throw new BadInputException(name, "line " + line + ", column " + (field + 1), "'" + tok + "' is not a "
                    + (field == 0 ? "label (an integer 0-9)" : "pixel value (an integer 0-255)"));
        }
        return v;
    }

    @Override
    public String source() {
        return name;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
