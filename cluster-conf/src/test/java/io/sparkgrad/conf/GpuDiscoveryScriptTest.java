package io.sparkgrad.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The discovery script's output, with a stand-in nvidia-smi on PATH. */
class GpuDiscoveryScriptTest {
    @TempDir
    Path dir;

    private Path script;
    private Path fakeBin;

    @BeforeEach
    void extract() throws Exception {
        script = GpuDiscoveryScript.extractTo(dir.resolve("scripts"));
        fakeBin = Files.createDirectories(dir.resolve("fakebin"));
    }

    private void fakeNvidiaSmi(String body) throws Exception {
        Path smi = fakeBin.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Runs the script with PATH = the fake bin + the shell basics; returns exit code, stdout, stderr. */
    private String[] run(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(script.toString());
        pb.environment().clear();
        pb.environment().put("PATH", fakeBin + ":/usr/bin:/bin");
        pb.environment().putAll(env);
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return new String[] {Integer.toString(p.exitValue()), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8)};
    }

    @Test
    void listsNvidiaSmisIndices() throws Exception {
        fakeNvidiaSmi("[ \"$1\" = --query-gpu=index ] && [ \"$2\" = --format=csv,noheader ] || exit 9\nprintf '0\\n1\\n3\\n'");
        String[] r = run(Map.of());
        assertEquals("0", r[0], r[2]);
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\", \"3\"]}\n", r[1]);
    }

    @Test
    void visibleDevicesAreRenumberedFromZeroAsCudaDoes() throws Exception {
        String[] r = run(Map.of("CUDA_VISIBLE_DEVICES", "2,5"));
        assertEquals("0", r[0], r[2]);
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}\n", r[1]);
    }

    @Test
    void noGpusGiveAnEmptyList() throws Exception {
        fakeNvidiaSmi("exit 0");
        String[] r = run(Map.of());
        assertEquals("{\"name\": \"gpu\", \"addresses\": []}\n", r[1]);
    }

    @Test
    void withoutNvidiaSmiItFailsAndSaysWhy() throws Exception {
        String[] r = run(Map.of());
        assertEquals("1", r[0]);
        assertEquals("", r[1]);
        assertTrue(r[2].contains("nvidia-smi not found"), r[2]);
    }

    @Test
    void aFailingNvidiaSmiIsReported() throws Exception {
        fakeNvidiaSmi("echo 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver'\nexit 9");
        String[] r = run(Map.of());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("nvidia-smi failed") && r[2].contains("could not communicate"), r[2]);
    }
}
