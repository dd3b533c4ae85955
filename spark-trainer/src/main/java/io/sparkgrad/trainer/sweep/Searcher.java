package io.sparkgrad.trainer.sweep;

import java.util.Map;

/**
 * Proposes trial configurations. Trial {@code i}'s configuration is a pure function of the sweep (its space and seed)
 * and {@code i}, so the searcher's whole state is the number of trials proposed, and a resumed sweep proposes the
 * same trials again.
 */
public interface Searcher {
    /** {@code grid} or {@code random}. */
    String name();

    /** How many trials the sweep runs. */
    int trials();

    /** The swept keys' values of trial {@code trial} ({@code 0 <= trial < trials()}), in the space's key order. */
    Map<String, Object> config(int trial);
}
