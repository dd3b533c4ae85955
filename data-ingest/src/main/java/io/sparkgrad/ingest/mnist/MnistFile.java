package io.sparkgrad.ingest.mnist;

import io.sparkgrad.ingest.download.DownloadTarget;

/**
 * The four standard MNIST files, with their record counts and the SHA-256 of their decompressed bytes.
 */
public enum MnistFile {
    TRAIN_IMAGES("train-images-idx3-ubyte", 60_000, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    TRAIN_LABELS("train-labels-idx1-ubyte", 60_000, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    TEST_IMAGES("t10k-images-idx3-ubyte", 10_000, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    TEST_LABELS("t10k-labels-idx1-ubyte", 10_000, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2");

    /** The name and checksum, the pair the downloader and the cache check. */
    private final DownloadTarget target;
    private final int records;

    MnistFile(String fileName, int records, String sha256) {
        this.target = new DownloadTarget(fileName, sha256);
        this.records = records;
    }

    /** The raw (decompressed) file name, e.g. {@code train-images-idx3-ubyte}. */
    public String fileName() {
        return target.name();
    }

    /** The name of the gzip-compressed file on the mirrors ({@code fileName() + ".gz"}). */
    public String gzipName() {
        return target.name() + ".gz";
    }

    /** Records in the official file. */
    public int records() {
        return records;
    }

    /** SHA-256 (lower-case hex) of the decompressed file. */
    public String sha256() {
        return target.sha256();
    }

    /** This file as a checksummed download target. */
    public DownloadTarget target() {
        return target;
    }
}
