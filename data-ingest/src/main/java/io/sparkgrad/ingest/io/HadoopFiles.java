package io.sparkgrad.ingest.io;

import io.sparkgrad.ingest.BadInputException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Opening files on Hadoop file systems with gzip recognised from the bytes. */
public final class HadoopFiles {

    private static final int BUFFER = 1 << 16;

    private HadoopFiles() {
    }

    /** Opens {@code path} for reading, decompressing when its first two bytes are gzip's {@code 1f 8b}. */
    public static InputStream openMaybeGzip(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        FSDataInputStream in = fs.open(path, BUFFER);
        try {
            int b0 = in.read();
            int b1 = b0 < 0 ? -1 : in.read();
            in.seek(0);
            if (b0 == 0x1f && b1 == 0x8b) {
                try {
                    return new GZIPInputStream(in, BUFFER);
                } catch (ZipException e) {
                    throw new BadInputException(path.toString(), "gzip header", "corrupt gzip stream: " + e.getMessage(), e);
                }
            }
            return in;
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Creates (or overwrites) {@code path}, gzip-compressing when {@code gzip}. */
    public static OutputStream create(Path path, Configuration conf, boolean gzip) throws IOException {
        OutputStream out = path.getFileSystem(conf).create(path, true, BUFFER);
        return gzip ? new GZIPOutputStream(out, BUFFER) : out;
    }

    /** Closes {@code out} and deletes {@code path} if it exists, both quietly (for dropping a half-written output). */
    public static void discard(Closeable out, Path path, Configuration conf) {
        try {
            out.close();
        } catch (IOException e) {
            // The file is deleted below; a failing close changes nothing about that.
        }
        try {
            path.getFileSystem(conf).delete(path, true);
        } catch (IOException e) {
            // Best effort: the caller is already reporting the failure that made the output useless.
        }
    }
}
