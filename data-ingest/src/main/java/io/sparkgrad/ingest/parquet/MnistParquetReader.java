package io.sparkgrad.ingest.parquet;

import io.sparkgrad.ingest.BadInputException;
import io.sparkgrad.ingest.image.AbstractLabeledImageReader;
import io.sparkgrad.ingest.image.Labels;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Reads labelled images in the {@link MnistParquet} layout without Spark: one Parquet file, or a folder of
 * them as Spark writes (its {@code *.parquet} files in name order; {@code _SUCCESS} and hidden files skipped).
 * The schema must have an int32 {@code label} and a binary {@code image} column (required or optional); an image
 * of the wrong length, a null, or a label outside 0-9 is a {@link BadInputException} naming the file and row.
 */
public final class MnistParquetReader extends AbstractLabeledImageReader {

    private final Configuration conf;
    private final List<Path> files;
    private final int pixels;
    private int fileIndex = -1;
    private ParquetReader<Group> current;
    private long rowInFile;

    private MnistParquetReader(Configuration conf, List<Path> files, int rows, int cols) {
        super(rows, cols);
        this.conf = conf;
        this.files = files;
        this.pixels = rows * cols;
    }

    /**
     * Opens {@code path} (a file or a folder of part files). The image shape comes from the first file's metadata
     * when it has one, else {@code defaultRows x defaultCols}.
     */
    public static MnistParquetReader open(Path path, Configuration conf, int defaultRows, int defaultCols) throws IOException {
        List<Path> files = partFiles(path, conf);
        int rows = defaultRows;
        int cols = defaultCols;
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(files.get(0), conf))) {
            checkSchema(files.get(0), r.getFileMetaData().getSchema());
            Map<String, String> kv = r.getFileMetaData().getKeyValueMetaData();
            if (kv.containsKey(MnistParquet.ROWS_KEY) && kv.containsKey(MnistParquet.COLS_KEY)) {
                rows = Integer.parseInt(kv.get(MnistParquet.ROWS_KEY));
                cols = Integer.parseInt(kv.get(MnistParquet.COLS_KEY));
            }
        }
        return new MnistParquetReader(conf, files, rows, cols);
    }

    /** The Parquet files of {@code path}: itself, or a folder's visible {@code .parquet} files in name order. */
    public static List<Path> partFiles(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        FileStatus st = fs.getFileStatus(path);
        if (st.isFile()) {
            return List.of(path);
        }
        List<Path> out = new ArrayList<>();
        for (FileStatus f : fs.listStatus(path)) {
            String n = f.getPath().getName();
            if (f.isFile() && n.endsWith(".parquet") && !n.startsWith("_") && !n.startsWith(".")) {
                out.add(f.getPath());
            }
        }
        if (out.isEmpty()) {
            throw new BadInputException(path.toString(), null, "a folder with no .parquet files");
        }
        out.sort(null);
        return out;
    }

    /** Whether {@code file}'s {@code image} column is binary (this reader's layout) rather than, say, a float array. */
    public static boolean hasBinaryImages(Path file, Configuration conf) throws IOException {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
            MessageType schema = r.getFileMetaData().getSchema();
            if (!schema.containsField(MnistParquet.IMAGE)) {
                return false;
            }
            Type image = schema.getType(MnistParquet.IMAGE);
            return image.isPrimitive() && image.asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.BINARY;
        }
    }

    private static void checkSchema(Path file, MessageType schema) throws BadInputException {
        if (!schema.containsField(MnistParquet.LABEL) || !schema.containsField(MnistParquet.IMAGE)) {
            throw new BadInputException(file.toString(), "schema", "needs columns 'label' (int32) and 'image' (binary), but the schema is " + schema);
        }
        Type label = schema.getType(MnistParquet.LABEL);
        Type image = schema.getType(MnistParquet.IMAGE);
        if (!label.isPrimitive() || label.asPrimitiveType().getPrimitiveTypeName() != PrimitiveTypeName.INT32) {
            throw new BadInputException(file.toString(), "schema", "column 'label' is " + label + ", not int32");
        }
        if (!image.isPrimitive() || image.asPrimitiveType().getPrimitiveTypeName() != PrimitiveTypeName.BINARY) {
            throw new BadInputException(file.toString(), "schema", "column 'image' is " + image
                    + ", not binary (float-array images are read through Spark: MnistFrames)");
        }
    }

    /** Rows in all files, from their footers. */
    @Override
    public long count() throws IOException {
        return countOnce(() -> {
            long n = 0;
            for (Path f : files) {
                try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(f, conf))) {
                    n += r.getRecordCount();
                }
            }
            return n;
        });
    }

    @Override
    public int read(byte[] px, int[] labels, int max) throws IOException {
        int n = 0;
        while (n < max) {
            if (current == null && !nextFile()) {
                break;
            }
            Group g = current.read();
            if (g == null) {
                current.close();
                current = null;
                continue;
            }
            String where = "row " + rowInFile;
            String file = files.get(fileIndex).toString();
            if (g.getFieldRepetitionCount(MnistParquet.LABEL) == 0 || g.getFieldRepetitionCount(MnistParquet.IMAGE) == 0) {
                throw new BadInputException(file, where, "null label or image");
            }
            int label = g.getInteger(MnistParquet.LABEL, 0);
            Labels.check(label, file, where);
            Binary img = g.getBinary(MnistParquet.IMAGE, 0);
            if (img.length() != pixels) {
                throw new BadInputException(file, where, "image of " + img.length() + " bytes, expected " + pixels
                        + " (" + rows() + "x" + cols() + ")");
            }
            img.toByteBuffer().get(px, n * pixels, pixels);
            labels[n] = label;
            rowInFile++;
            n++;
        }
        return n;
    }

    private boolean nextFile() throws IOException {
        if (fileIndex + 1 >= files.size()) {
            return false;
        }
        fileIndex++;
        rowInFile = 0;
        Path f = files.get(fileIndex);
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(f, conf))) {
            checkSchema(f, r.getFileMetaData().getSchema());
        }
        current = new ParquetReader.Builder<Group>(HadoopInputFile.fromPath(f, conf)) {
            @Override
            protected ReadSupport<Group> getReadSupport() {
                return new GroupReadSupport();
            }
        }.withConf(conf).build();
        return true;
    }

    @Override
    public String source() {
        return files.size() == 1 ? files.get(0).toString() : files.get(0).getParent() + " (" + files.size() + " files)";
    }

    @Override
    public void close() throws IOException {
        if (current != null) {
            current.close();
        }
    }

    /** The files being read (for messages and tests). */
    public List<Path> files() {
        return List.copyOf(files);
    }

    @Override
    public String toString() {
        return "MnistParquetReader" + Arrays.toString(files.toArray());
    }
}
