package io.sparkgrad.ingest.mnist;

/**
 * The parts of MNIST a program asks for: the official split (all 60,000 training and all 10,000 test images)
 * and the split of PyTorch's "What is torch.nn really?" tutorial, which keeps training images 0-49,999 for
 * training and 50,000-59,999 for validation.
 */
public enum MnistSubset {
    /** All records of the training files (60,000 in the official set). */
    TRAIN(MnistFile.TRAIN_IMAGES, MnistFile.TRAIN_LABELS, 0, -1),
    /** All records of the test files (10,000 in the official set). */
    TEST(MnistFile.TEST_IMAGES, MnistFile.TEST_LABELS, 0, -1),
    /** The tutorial's training part: training records 0-49,999. */
    TUTORIAL_TRAIN(MnistFile.TRAIN_IMAGES, MnistFile.TRAIN_LABELS, 0, 50_000),
    /** The tutorial's validation part: training records 50,000-59,999. */
    TUTORIAL_VALID(MnistFile.TRAIN_IMAGES, MnistFile.TRAIN_LABELS, 50_000, 10_000);

    private final MnistFile images;
    private final MnistFile labels;
    private final int first;
    private final int count;

    MnistSubset(MnistFile images, MnistFile labels, int first, int count) {
        this.images = images;
        this.labels = labels;
        this.first = first;
        this.count = count;
    }

    /** The image file this part is cut from. */
    public MnistFile images() {
        return images;
    }

    /** The label file this part is cut from. */
    public MnistFile labels() {
        return labels;
    }

    /** The first record. */
    public int first() {
        return first;
    }

    /** The number of records, or -1 for "all records of the file from {@link #first()}". */
    public int count() {
        return count;
    }

    /** The number of records this part takes from a file holding {@code fileRecords} records (-1 = the rest). */
    public long countIn(long fileRecords) {
        return count < 0 ? fileRecords - first : count;
    }
}
