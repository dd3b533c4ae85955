package io.sparkgrad.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding the golden folder (the copy in the test resources, or the folder the system property names) and counting
 * its cases: a folder with other counts of each kind than the public set is read, counted and checked as its own.
 */
class GoldenFolderTest {

    @Test
    void withoutThePropertyTheFolderIsTheCopyInTheTestResources() {
        GoldenFolder folder = GoldenFolder.locate(null);
        assertEquals(folder.dir(), GoldenFolder.locate("  ").dir());
        assertTrue(Files.isRegularFile(folder.resolve("README.md")), "the copy keeps the README: " + folder.dir());
        assertTrue(folder.dir().endsWith("golden"), folder.dir().toString());
        List<Path> cases = folder.caseFiles();
        assertTrue(!cases.isEmpty(), "no cases in " + folder.dir());
        int counted = folder.countsByOp().values().stream().mapToInt(Integer::intValue).sum();
        assertEquals(cases.size(), counted, "every case file has an op and is counted once: " + folder);
    }

    @Test
    void thePropertyPointsAtAnotherFolderWhoseOwnCasesAreCountedAndChecked(@TempDir Path tmp) throws IOException {
        GoldenFolder bundled = GoldenFolder.locate(null);
        // A valid folder in the same format with other counts of each kind: 2 SGD and 1 Adam trajectories, 3 op cases.
        Path alt = Files.createDirectories(tmp.resolve("golden-alt"));
        List<Path> subset = new ArrayList<>();
        subset.addAll(bundled.casesOf("sgd_trajectory").subList(0, 2));
        subset.addAll(bundled.casesOf("adam_trajectory").subList(0, 1));
        subset.addAll(bundled.casesOf("relu").subList(0, 1));
        subset.addAll(bundled.casesOf("max_pool2d").subList(0, 1));
        subset.addAll(bundled.casesOf("cross_entropy").subList(0, 1));
        for (Path p : subset) {
            Files.copy(p, alt.resolve(p.getFileName().toString()));
        }

        GoldenFolder folder = GoldenFolder.locate(alt.toString());
        assertEquals(alt.toAbsolutePath().normalize(), folder.dir());
        assertEquals(6, folder.caseFiles().size());
        assertEquals(Map.of("sgd_trajectory", 2, "adam_trajectory", 1, "relu", 1, "max_pool2d", 1, "cross_entropy", 1), folder.countsByOp());
        assertEquals(3, folder.casesOf("sgd_trajectory", "adam_trajectory").size());
        assertEquals(0, folder.casesOf("conv2d").size());
        // "Every file is a case and every case ran", on this folder.
        int checked = 0;
        for (Path p : folder.caseFiles()) {
            GoldenCasesTest.check(GoldenCase.read(p));
            checked++;
        }
        assertEquals(folder.caseFiles().size(), checked);
        assertTrue(folder.toString().startsWith("6 golden cases in " + alt.toAbsolutePath().normalize()), folder.toString());
    }

    @Test
    void aMissingFolderAndAStrayFileAreClearErrors(@TempDir Path tmp) throws IOException {
        var missing = assertThrows(IllegalStateException.class, () -> GoldenFolder.locate(tmp.resolve("nope").toString()));
        assertTrue(missing.getMessage().contains("nope") && missing.getMessage().contains("does not exist"), missing.getMessage());

        Files.writeString(tmp.resolve("README.md"), "cases");
        Files.writeString(tmp.resolve("relu_2x2.json.bak"), "{}");
        var stray = assertThrows(IllegalStateException.class, () -> GoldenFolder.locate(tmp.toString()).caseFiles());
        assertTrue(stray.getMessage().contains("relu_2x2.json.bak") && !stray.getMessage().contains("README.md"), stray.getMessage());

        Files.delete(tmp.resolve("relu_2x2.json.bak"));
        Files.writeString(tmp.resolve("no_op.json"), "{\"name\": \"no_op\"}");
        var noOp = assertThrows(IllegalStateException.class, () -> GoldenFolder.locate(tmp.toString()).countsByOp());
        assertTrue(noOp.getMessage().contains("no_op.json") && noOp.getMessage().contains("'op'"), noOp.getMessage());
    }
}
