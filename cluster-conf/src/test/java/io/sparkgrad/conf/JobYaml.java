package io.sparkgrad.conf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A configuration file for a test: {@code job.yaml} in the test's temporary folder. */
final class JobYaml {
    private JobYaml() {
    }

    /** Writes {@code yaml} to {@code dir/job.yaml} (replacing it) and returns the file. */
    static Path write(Path dir, String yaml) throws IOException {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
