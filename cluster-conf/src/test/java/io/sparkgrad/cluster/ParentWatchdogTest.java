package io.sparkgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A process started through the watchdog ends when the process it watches ends (killed with SIGKILL). */
class ParentWatchdogTest {
    @Test
    void theWatchedMainExitsWhenItsParentIsKilled() throws Exception {
        Process parent = new ProcessBuilder("sleep", "600").start();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                ParentWatchdog.class.getName(), Long.toString(parent.pid()), SleepForever.class.getName())
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            assertEquals("started", out.readLine(), "the watched main runs");
            assertTrue(child.isAlive(), "it keeps running while the parent lives");
            parent.destroyForcibly().waitFor();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child outlived its parent");
            assertEquals(1, child.exitValue());
            List<String> rest = out.lines().toList();
            assertTrue(rest.stream().anyMatch(l -> l.contains("has ended; exiting")), rest.toString());
        } finally {
            parent.destroyForcibly();
            child.destroyForcibly();
        }
    }
}
