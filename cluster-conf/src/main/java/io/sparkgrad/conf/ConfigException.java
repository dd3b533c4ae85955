package io.sparkgrad.conf;

import java.util.List;

/** A job configuration that cannot be used, with every problem found (not just the first). */
public final class ConfigException extends RuntimeException {
    private final List<ConfigProblem> problems;

    /** An exception listing {@code problems} (at least one). */
    public ConfigException(List<ConfigProblem> problems) {
        super(format(problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** An exception with one problem. */
    public ConfigException(ConfigProblem problem) {
        this(List.of(problem));
    }

    /** The problems, in the order they were found. */
    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String format(List<ConfigProblem> problems) {
        if (problems.size() == 1) {
            return "Invalid job configuration: " + problems.get(0);
        }
        StringBuilder sb = new StringBuilder("Invalid job configuration (" + problems.size() + " problems):");
        for (ConfigProblem p : problems) {
            sb.append("\n  - ").append(p);
        }
        return sb.toString();
    }
}
