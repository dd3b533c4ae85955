package io.sparkgrad.ingest.parquet;

import io.sparkgrad.ingest.image.SingleFileImageWriter;
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
public final class MnistParquetWriter extends SingleFileImageWriter {

    private final ParquetWriter<Group> writer;
    private final SimpleGroupFactory groups = new SimpleGroupFactory(MnistParquet.schema());

    private MnistParquetWriter(Path path, Configuration conf, int pixels, ParquetWriter<Group> writer) {
        // Rows are numbered from 0 in messages, as MnistParquetReader counts them.
        super(path, conf, pixels, 0, writer);
        this.writer = writer;
    }

    /** Creates (or overwrites) the Parquet file {@code path} for {@code rows x cols} images. */
    public static MnistParquetWriter create(Path path, Configuration conf, int rows, int cols) throws IOException {
        ParquetWriter<Group> writer = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(path, conf))
                .withConf(conf)
                .withType(MnistParquet.schema())
                .withExtraMetaData(MnistParquet.shapeMetadata(rows, cols))
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build();
        return new MnistParquetWriter(path, conf, rows * cols, writer);
    }

    @Override
    protected void writeRow(int label, byte[] px, int off) throws IOException {
        Group g = groups.newGroup()
                .append(MnistParquet.LABEL, label)
                // A copy: Parquet keeps the binary until the page is flushed, and callers refill px between calls.
                .append(MnistParquet.IMAGE, Binary.fromConstantByteArray(Arrays.copyOfRange(px, off, off + pixels())));
        writer.write(g);
    }
}
