package io.sparkgrad.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a piece of code allocates, for a test's failure message: runs it under a flight recording of every new TLAB
 * and every allocation outside one, and names the engine's methods that allocated most. An allocation test that only
 * says "too many bytes" leaves the next person to reproduce a failure that may depend on JIT timing; this says which
 * kernel fell back.
 */
final class AllocationSites {

    private AllocationSites() {
    }

    /**
     * The {@code top} engine frames (class, method, line) that allocated most while {@code body} ran its last of
     * {@code runs} times, with their bytes (each new TLAB counted whole, as the profilers do). Starting a recording
     * may send compiled code back to the interpreter, whose Vector API calls all allocate: the runs before the last
     * give the JIT time to compile it again.
     */
    static String of(Runnable body, int runs, int top) {
        Path file;
        Instant lastRun;
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
            recording.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
            recording.start();
            for (int r = 1; r < runs; r++) {
                body.run();
            }
            lastRun = Instant.now();
            body.run();
            recording.stop();
            file = Files.createTempFile("allocation-sites", ".jfr");
            recording.dump(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Map<String, Long> bytes = new HashMap<>();
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                if (e.getStartTime().isBefore(lastRun)) {
                    continue;
                }
                long size = e.hasField("tlabSize") ? e.getLong("tlabSize") : e.getLong("allocationSize");
                bytes.merge(site(e) + " (" + e.getClass("objectClass").getName() + ")", size, Long::sum);
            }
            return bytes.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(top)
                    .map(en -> en.getKey() + ": " + en.getValue() + " bytes")
                    .collect(Collectors.joining("; "));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temporary file left behind is harmless
            }
        }
    }

    /** The first frame in the engine's own code, else the top frame. */
    private static String site(RecordedEvent e) {
        List<RecordedFrame> frames = e.getStackTrace() == null ? List.of() : e.getStackTrace().getFrames();
        for (RecordedFrame f : frames) {
            String type = f.getMethod().getType().getName();
            if (type.startsWith("io.sparkgrad.")) {
                return type + "." + f.getMethod().getName() + ":" + f.getLineNumber();
            }
        }
        return frames.isEmpty() ? "unknown" : frames.get(0).getMethod().getType().getName() + "." + frames.get(0).getMethod().getName();
    }
}
