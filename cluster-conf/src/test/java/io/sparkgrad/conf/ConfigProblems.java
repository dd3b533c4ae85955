package io.sparkgrad.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

/** The problems a configuration that fails validation reports, for the tests of its messages. */
final class ConfigProblems {
    private ConfigProblems() {
    }

    /** Every problem that loading with {@code loader} reports (it must fail). */
    static List<ConfigProblem> problems(JobConfigLoader loader) {
        return assertThrows(ConfigException.class, loader::load).problems();
    }

    /** The one problem that loading with {@code loader} reports (it must fail with exactly one). */
    static ConfigProblem only(JobConfigLoader loader) {
        List<ConfigProblem> problems = problems(loader);
        assertEquals(1, problems.size(), problems.toString());
        return problems.get(0);
    }
}
