package io.sparkgrad.ingest.convert;

/**
 * One conversion: where the images come from and where they go.
 *
 * @param from       input format
 * @param in         input path for CSV or Parquet (a file or a folder of part files)
 * @param images     input image file for IDX
 * @param labels     input label file for IDX
 * @param to         output format
 * @param out        output path for CSV or Parquet (a file locally, a folder of part files from Spark)
 * @param outImages  output image file for IDX
 * @param outLabels  output label file for IDX
 * @param header     whether CSV output gets a header line
 * @param gzip       whether IDX or CSV output is gzip-compressed
 * @param rows       image height when the input does not say (CSV, Parquet written by Spark)
 * @param cols       image width when the input does not say
 * @param partitions Spark only: partitions of the output (0 = as read)
 */
public record ConvertSpec(Format from, String in, String images, String labels, Format to, String out,
        String outImages, String outLabels, boolean header, boolean gzip, int rows, int cols, int partitions) {

    public ConvertSpec {
        if (from == Format.IDX ? images == null || labels == null : in == null) {
            throw new IllegalArgumentException(from == Format.IDX
                    ? "IDX input needs both the image file and the label file"
                    : from + " input needs an input path");
        }
        if (to == Format.IDX ? outImages == null || outLabels == null : out == null) {
            throw new IllegalArgumentException(to == Format.IDX
                    ? "IDX output needs both an image file and a label file"
                    : to + " output needs an output path");
        }
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("image shape must be positive, not " + rows + "x" + cols);
        }
    }
}
