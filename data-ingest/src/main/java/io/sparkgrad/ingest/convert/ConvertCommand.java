package io.sparkgrad.ingest.convert;

import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Command line of the IDX / CSV / Parquet converter. Paths are Hadoop paths ({@code file:}, {@code hdfs:},
 * {@code s3a:}, or plain local paths). Without {@code --spark} it streams in this process (one output file);
 * with it, it runs as a Spark job ({@link SparkConvertJob}) on the master that {@code spark-submit} gives, or
 * {@code --master}, writing CSV and Parquet as folders of part files.
 *
 * <pre>
 * convert --from idx --images train-images-idx3-ubyte.gz --labels train-labels-idx1-ubyte.gz \
 *         --to parquet --out hdfs://nn:8020/data/mnist/train --spark
 * convert --from csv --in mnist_train.csv --to idx --out-images imgs.gz --out-labels labs.gz --gzip
 * </pre>
 * Exit codes: 0 done, 1 the conversion failed (the message names the file and what is wrong), 2 usage error.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert labelled images between IDX, CSV and Parquet, locally or as a Spark job.")
public final class ConvertCommand implements Callable<Integer> {

    @Option(names = "--from", required = true, description = "Input format: ${COMPLETION-CANDIDATES}.")
    Format from;

    @Option(names = "--in", paramLabel = "PATH", description = "CSV or Parquet input (a file or a folder of part files).")
    String in;

    @Option(names = "--images", paramLabel = "PATH", description = "IDX input: the image file.")
    String images;

    @Option(names = "--labels", paramLabel = "PATH", description = "IDX input: the label file.")
    String labels;

    @Option(names = "--to", required = true, description = "Output format: ${COMPLETION-CANDIDATES}.")
    Format to;

    @Option(names = "--out", paramLabel = "PATH", description = "CSV or Parquet output.")
    String out;

    @Option(names = "--out-images", paramLabel = "PATH", description = "IDX output: the image file.")
    String outImages;

    @Option(names = "--out-labels", paramLabel = "PATH", description = "IDX output: the label file.")
    String outLabels;

    @Option(names = "--header", description = "Write a CSV header line (label,pixel0,...).")
    boolean header;

    @Option(names = "--gzip", description = "Gzip-compress IDX or CSV output.")
    boolean gzip;

    @Option(names = "--rows", defaultValue = "28", description = "Image height where the input does not say (default ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--cols", defaultValue = "28", description = "Image width where the input does not say (default ${DEFAULT-VALUE}).")
    int cols;

    @Option(names = "--spark", description = "Run as a Spark job.")
    boolean spark;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master when not given by spark-submit (default local[*]).")
    String master;

    @Option(names = "--partitions", defaultValue = "0", description = "Spark: partitions (part files) of the output; 0 = as read.")
    int partitions;

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests and other mains). */
    public static int run(String... args) {
        return new CommandLine(new ConvertCommand()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public Integer call() {
        ConvertSpec spec;
        try {
            spec = new ConvertSpec(from, in, images, labels, to, out, outImages, outLabels, header, gzip, rows, cols, partitions);
        } catch (IllegalArgumentException e) {
            System.err.println("convert: " + e.getMessage());
            return 2;
        }
        try {
            long n;
            if (spark) {
                SparkSession.Builder b = SparkSession.builder().appName("sparkgrad-convert");
                if (master != null) {
                    b.master(master);
                } else if (!new org.apache.spark.SparkConf().contains("spark.master")) {
                    b.master("local[*]");
                }
                SparkSession session = b.getOrCreate();
                n = SparkConvertJob.run(session, spec);
            } else {
                n = Converter.convert(spec, new Configuration());
            }
            System.out.println("converted " + n + " images from " + from + " to " + to);
            return 0;
        } catch (Exception e) {
            System.err.println("convert: " + e.getMessage());
            return 1;
        }
    }
}
