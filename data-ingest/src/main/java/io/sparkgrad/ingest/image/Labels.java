package io.sparkgrad.ingest.image;

import io.sparkgrad.ingest.BadInputException;

/** The label rule shared by every MNIST-shaped input: a class index from 0 to 9. */
public final class Labels {

    /** Number of classes; labels run from 0 to {@code CLASSES - 1}. */
    public static final int CLASSES = 10;

    private Labels() {
    }

    /** Throws a {@link BadInputException} naming {@code file} and {@code location} when {@code label} is not 0-9. */
    public static void check(int label, String file, String location) throws BadInputException {
        if (label < 0 || label >= CLASSES) {
            throw new BadInputException(file, location, "label " + label + " is outside 0-" + (CLASSES - 1));
        }
    }
}
