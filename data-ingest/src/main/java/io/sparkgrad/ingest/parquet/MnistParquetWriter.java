package io.sparkgrad.ingest.parquet;

import io.sparkgrad.ingest.image.LabeledImageWriter;
import io.sparkgrad.ingest.image.Labels;
import io.sparkgrad.ingest.io.HadoopFiles;
import java.io.IOException;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;

/**
 * Writes labelled images as one Parquet file in the {@link MnistParquet} layout (snappy-compressed), on any
 * Hadoop file system, without Spark. {@link #abort()} deletes the partial file.
 */
public final class MnistParquetWriter implements LabeledImageWriter {

    private final Path path;
    private final Configuration conf;
    private final int pixels;
    private final ParquetWriter<Group> writer;
    private final SimpleGroupFactory groups = new SimpleGroupFactory(MnistParquet.schema());
    private long written;

    private MnistParquetWriter(Path path, Configuration conf, int rows, int cols) throws IOException {
        this.path = path;
        this.conf = conf;
        this.pixels = rows * cols;
        this.writer = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(path, conf))
                .withConf(conf)
                .withType(MnistParquet.schema())
                .withExtraMetaData(MnistParquet.shapeMetadata(rows, cols))
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build();
    }

    /** Creates (or overwrites) the Parquet file {@code path} for {@code rows x cols} images. */
    public static MnistParquetWriter create(Path path, Configuration conf, int rows, int cols) throws IOException {
        return new MnistParquetWriter(path, conf, rows, cols);
    }

    @Override
    public void write(byte[] px, int[] labels, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            Labels.check(labels[i], path.toString(), "row " + (written + i) + " being written");
            Group g = groups.newGroup()
                    .append(MnistParquet.LABEL, labels[i])
                    // A copy: Parquet keeps the binary until the page is flushed, and callers refill px between calls.
                    .append(MnistParquet.IMAGE, Binary.fromConstantByteArray(Arrays.copyOfRange(px, i * pixels, (i + 1) * pixels)));
            writer.write(g);
        }
        written += count;
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    @Override
    public void abort() throws IOException {
        HadoopFiles.discard(writer, path, conf);
    }
}
