package io.sparkgrad.conf;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The allowed range of a numeric configuration value. The loader checks it and names the range in its
 * error ("allowed range: 0 < optimizer.lr <= 100").
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Range {
    /** Lower bound. */
    double min() default Double.NEGATIVE_INFINITY;

    /** Upper bound. */
    double max() default Double.POSITIVE_INFINITY;

    /** Whether the lower bound itself is excluded. */
    boolean minExclusive() default false;

    /** Whether the upper bound itself is excluded. */
    boolean maxExclusive() default false;
}
