package io.sparkgrad.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the golden folder: the system property first, else ../shared/golden from the repository root. */
class GoldenFolderTest {

    @Test
    void withoutThePropertyWalksUpFromAModuleToTheRepositoryRoot(@TempDir Path tmp) throws IOException {
        Path repo = Files.createDirectories(tmp.resolve("main"));
        Files.writeString(repo.resolve("pom.xml"), "<project><modules><module>core-tensor</module></modules></project>");
        Path module = Files.createDirectories(repo.resolve("core-tensor"));
        Files.writeString(module.resolve("pom.xml"), "<project><artifactId>core-tensor</artifactId></project>");
        Path golden = Files.createDirectories(tmp.resolve("shared/golden"));
        Files.writeString(golden.resolve("b.json"), "{}");
        Files.writeString(golden.resolve("a.json"), "{}");
        Files.writeString(golden.resolve("README.md"), "");
        assertEquals(golden.toRealPath(), GoldenFolder.locate(null, module).toRealPath());
        assertEquals(List.of("a.json", "b.json"), GoldenFolder.caseFiles(golden));
    }

    @Test
    void aGitFolderMarksTheRootToo(@TempDir Path tmp) throws IOException {
        Path repo = Files.createDirectories(tmp.resolve("wt/nn"));
        Files.writeString(repo.resolve(".git"), "gitdir: elsewhere");
        Path golden = Files.createDirectories(tmp.resolve("wt/shared/golden"));
        assertEquals(golden.toRealPath(), GoldenFolder.locate("", Files.createDirectories(repo.resolve("core-tensor/src"))).toRealPath());
    }

    @Test
    void thePropertyWinsAndAMissingFolderIsAClearError(@TempDir Path tmp) throws IOException {
        Path golden = Files.createDirectories(tmp.resolve("cases"));
        assertEquals(golden.toAbsolutePath(), GoldenFolder.locate(golden.toString(), Path.of("/")));
        var e = assertThrows(IllegalStateException.class, () -> GoldenFolder.locate(tmp.resolve("nope").toString(), tmp));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("does not exist"), e.getMessage());
    }
}
