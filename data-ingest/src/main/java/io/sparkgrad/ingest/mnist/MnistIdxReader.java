package io.sparkgrad.ingest.mnist;

import io.sparkgrad.ingest.BadInputException;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.idx.IdxHeader;
import io.sparkgrad.ingest.idx.IdxReader;
import io.sparkgrad.ingest.idx.IdxType;
import io.sparkgrad.ingest.image.AbstractLabeledImageReader;
import io.sparkgrad.ingest.image.Labels;
import java.io.IOException;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Reads an MNIST-layout pair of IDX files, images ({@code UNSIGNED_BYTE [count, rows, cols]}) and labels
 * ({@code UNSIGNED_BYTE [count]}), checking on open that types, dimensions and counts agree, and checking every
 * label it reads (0-9). A record range ({@link #range(long, long)}) seeks both files; on raw files nothing
 * before the range is read.
 */
public final class MnistIdxReader extends AbstractLabeledImageReader {

    private final IdxReader images;
    private final IdxReader labels;
    private long end;
    private int[] labelScratch = new int[0];
    /** Records read per call in {@link #readBlock}, and the first allocation for a gzip pair. */
    private static final int BLOCK_CHUNK = 1024;
    private static final int GROWN_FROM = 16 * BLOCK_CHUNK;

    private MnistIdxReader(IdxReader images, IdxReader labels, int[] imageDims) {
        super(imageDims[1], imageDims[2]);
        this.images = images;
        this.labels = labels;
        this.end = images.header().records();
    }

    /** Checks that the pair holds MNIST-style images and labels of the same count; returns the images' dimensions. */
    private static int[] checkPair(IdxReader images, IdxReader labels) throws BadInputException {
        String imgName = images.path().toString();
        String labName = labels.path().toString();
        IdxHeader ih = images.header();
        IdxHeader lh = labels.header();
        if (ih.type() != IdxType.UNSIGNED_BYTE) {
            throw new BadInputException(imgName, "byte offset 2", "element type " + ih.type() + ", but MNIST-style images are UNSIGNED_BYTE");
        }
        if (ih.dims().length != 3) {
            throw new BadInputException(imgName, "byte offset 3", "dimensions " + Arrays.toString(ih.dims())
                    + " do not match MNIST-style images, which have 3: [count, rows, cols]");
        }
        if (lh.type() != IdxType.UNSIGNED_BYTE) {
            throw new BadInputException(labName, "byte offset 2", "element type " + lh.type() + ", but MNIST-style labels are UNSIGNED_BYTE");
        }
        if (lh.dims().length != 1) {
            throw new BadInputException(labName, "byte offset 3", "dimensions " + Arrays.toString(lh.dims())
                    + " do not match MNIST-style labels, which have 1: [count]");
        }
        if (ih.records() != lh.records()) {
            throw new BadInputException(imgName, "byte offset 4", "holds " + ih.records() + " images, but the label file "
                    + labName + " holds " + lh.records() + " labels; the counts must match");
        }
        return ih.dims();
    }

    /** Opens the pair on the file systems their paths name. Gzip or raw, each found from its bytes. */
    public static MnistIdxReader open(Path images, Path labels, Configuration conf) throws IOException {
        IdxReader img = IdxReader.open(images, conf);
        try {
            IdxReader lab = IdxReader.open(labels, conf);
            try {
                return new MnistIdxReader(img, lab, checkPair(img, lab));
            } catch (IOException | RuntimeException e) {
                lab.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            img.close();
            throw e;
        }
    }

    /** Throws unless the images are {@code rows x cols} pixels. */
    public MnistIdxReader requireShape(int wantRows, int wantCols) throws BadInputException {
        if (rows() != wantRows || cols() != wantCols) {
            throw new BadInputException(images.path().toString(), "byte offset 8", "images are " + rows() + "x" + cols()
                    + " pixels (dimensions " + Arrays.toString(images.header().dims()) + "), but " + wantRows + "x"
                    + wantCols + " are expected");
        }
        return this;
    }

    /** Records in the files. */
    public long records() {
        return images.header().records();
    }

    /**
     * Restricts reading to records {@code first} to {@code first + count - 1} and positions on {@code first}.
     * A range past the end of the files is refused with a message naming the image file.
     */
    public MnistIdxReader range(long first, long count) throws IOException {
        if (first < 0 || count < 0 || first + count > records()) {
            throw new BadInputException(images.path().toString(), null, "records " + first + " to " + (first + count - 1)
                    + " were asked for, but the file holds " + records() + " records (0 to " + (records() - 1) + ")");
        }
        images.seekRecord(first);
        labels.seekRecord(first);
        end = first + count;
        return this;
    }

    /** The next record to be read. */
    public long nextRecord() {
        return images.nextRecord();
    }

    /** Records left in the range. */
    @Override
    public long count() {
        return end - images.nextRecord();
    }

    @Override
    public int read(byte[] pixels, int[] labelsOut, int max) throws IOException {
        int n = (int) Math.min(max, count());
        if (n == 0) {
            return 0;
        }
        long first = images.nextRecord();
        images.readBytes(pixels, 0, n);
        labels.readInts(labelsOut, 0, n);
        checkLabels(labelsOut, 0, n, first);
        return n;
    }

    /**
     * Reads the next {@code n} images scaled through {@code table} (256 floats, see {@link PixelScaling#table()})
     * into {@code dst} from {@code dstOff}, and their labels into {@code labelsOut} from {@code labelsOff}.
     */
    public void readScaled(float[] dst, int dstOff, int[] labelsOut, int labelsOff, int n, float[] table) throws IOException {
        if (n > count()) {
            throw new BadInputException(images.path().toString(), "record " + nextRecord(), n + " records were asked for, but only "
                    + count() + " are left in the range");
        }
        long first = images.nextRecord();
        images.readMapped(dst, dstOff, n, table);
        labels.readInts(labelsOut, labelsOff, n);
        checkLabels(labelsOut, labelsOff, n, first);
    }

    /**
     * Reads the next {@code n} records, scaled through {@code table}, as one block of shape {@code [1, rows, cols]}
     * per sample. Raw files were checked against their length on open, so their arrays are allocated at once; a gzip
     * file's header is only bounded, so its arrays grow as records arrive and a truncated file fails (naming the file
     * and the offset) before its header's count is ever allocated.
     *
     * @throws BadInputException when {@code n} records of this size do not fit one Java array
     */
    public SampleBlock readBlock(int partition, int n, float[] table) throws IOException {
        int rows = rows();
        int cols = cols();
        long total = (long) n * rows * cols;
        if (n < 0 || total > Integer.MAX_VALUE - 8) {
            throw new BadInputException(images.path().toString(), "record " + nextRecord(), n + " records of " + rows + "x" + cols
                    + " pixels are " + total + " values, more than one Java array holds; read them in smaller ranges");
        }
        int pixels = rows * cols;
        boolean verified = images.lengthVerified() && labels.lengthVerified();
        int capacity = verified ? n : Math.min(n, GROWN_FROM);
        float[] x = new float[capacity * pixels];
        int[] y = new int[capacity];
        for (int done = 0; done < n; ) {
            int k = Math.min(BLOCK_CHUNK, n - done);
            if (done + k > capacity) {
                capacity = (int) Math.min(n, Math.max(2L * capacity, done + k));
                x = Arrays.copyOf(x, capacity * pixels);
                y = Arrays.copyOf(y, capacity);
            }
            readScaled(x, done * pixels, y, done, k, table);
            done += k;
        }
        return new SampleBlock(partition, x, y, new int[] {1, rows, cols});
    }

    @Override
    public String source() {
        return images.path() + " + " + labels.path();
    }

    @Override
    public void close() throws IOException {
        try {
            images.close();
        } finally {
            labels.close();
        }
    }

    private void checkLabels(int[] l, int off, int n, long firstRecord) throws BadInputException {
        int hb = labels.header().headerBytes();
        for (int i = 0; i < n; i++) {
            int v = l[off + i];
            if (v >= Labels.CLASSES) {
                long rec = firstRecord + i;
                Labels.check(v, labels.path().toString(), "byte offset " + (hb + rec) + " (record " + rec + ")");
            }
        }
    }
}
