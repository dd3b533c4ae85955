package io.sparkgrad.trainer.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The sweep's journal: JSON lines on any Hadoop path, one event a line.
 *
 * <ul>
 *   <li>{@code {"event":"sweep","config":"<the sweep file>","searcher":"random","trials":32}}: first line;</li>
 *   <li>{@code {"event":"trial","trial":3,"params":{...}}}: trial 3 was proposed (the searcher's state is the count
 *       of these lines, since trial i's configuration is a function of the sweep and i);</li>
 *   <li>{@code {"event":"segment","trial":3,"fromEpoch":1,"epochs":[...],"checkpoint":"...","error":null,"seconds":2.1,
 *       "action":"continue"}}: a rung result and the scheduler's decision ({@code continue}, {@code stop},
 *       {@code complete} or {@code failed}).</li>
 * </ul>
 *
 * Hadoop file systems such as S3 cannot append, so every event rewrites the file: written to a temporary name, then
 * renamed over the journal (a journal is a few hundred lines). A driver killed mid-write leaves the previous journal.
 */
final class SweepJournal {
    static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Configuration conf;
    private final List<String> lines = new ArrayList<>();

    SweepJournal(Path file, Configuration conf) {
        this.file = file;
        this.conf = conf;
    }

    Path file() {
        return file;
    }

    /** Whether a journal exists at the path. */
    boolean exists() throws IOException {
        FileSystem fs = file.getFileSystem(conf);
        Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp");
        if (!fs.exists(file) && fs.exists(tmp)) {
            // Killed between deleting the old journal and renaming the new one: the new one is complete.
            fs.rename(tmp, file);
        }
        return fs.exists(file);
    }

    /** Reads the journal's events (and keeps them, so later appends extend it). */
    List<JsonNode> read() throws IOException {
        lines.clear();
        List<JsonNode> events = new ArrayList<>();
        FileSystem fs = file.getFileSystem(conf);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    events.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new IOException(file + " line " + n + " is not JSON: " + e.getMessage(), e);
                }
                lines.add(line);
            }
        }
        return events;
    }

    /** Appends one event and writes the journal. */
    void append(ObjectNode event) throws IOException {
        lines.add(JSON.writeValueAsString(event));
        FileSystem fs = file.getFileSystem(conf);
        Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp");
        try (OutputStream out = fs.create(tmp, true)) {
            for (String l : lines) {
                out.write(l.getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        }
        fs.delete(file, false);
        if (!fs.rename(tmp, file)) {
            throw new IOException("cannot rename " + tmp + " to " + file);
        }
    }
}
