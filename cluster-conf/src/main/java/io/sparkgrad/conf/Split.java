package io.sparkgrad.conf;

/** How the data is split into training and validation sets. */
public enum Split implements ConfigEnum {
    /** The tutorial's split: 50,000 training and 10,000 validation images, both from the training set. */
    TUTORIAL,
    /** The official split: the whole training set (60,000) and the separate test set (10,000). */
    OFFICIAL
}
