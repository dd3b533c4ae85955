package io.sparkgrad.conf;

import java.io.Serializable;
import java.util.List;

/**
 * Which model to train.
 *
 * @param name one of {@link #KNOWN_MODELS}
 */
public record ModelConfig(String name) implements Serializable {
    /** The model names the job knows how to build. */
    public static final List<String> KNOWN_MODELS = List.of("tutorial-cnn", "logistic", "mnist-cnn");
}
