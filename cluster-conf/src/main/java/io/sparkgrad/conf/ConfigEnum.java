package io.sparkgrad.conf;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * An enumerated configuration value. Its spelling in YAML and on the command line is the lower-case
 * constant name with '-' for '_' (so {@code DIV255} is {@code div255}); parsing ignores case.
 */
public interface ConfigEnum {
    /** The constant's name, as every enum has it. */
    String name();

    /** The spelling used in YAML files, on the command line and in the rendered configuration. */
    @JsonValue
    default String label() {
        return label(name());
    }

    /** The label of an enum constant name. */
    static String label(String constantName) {
        return constantName.toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
