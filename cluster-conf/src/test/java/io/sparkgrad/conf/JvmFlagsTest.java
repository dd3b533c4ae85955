package io.sparkgrad.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** The three copies of the JVM flag list (root pom, bin/jvm-flags, the Java side) agree. */
class JvmFlagsTest {
    private static List<String> rootPomFlags() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(RepoFiles.root().resolve("pom.xml").toFile());
        String text = pom.getElementsByTagName("sparkgrad.jvm.flags").item(0).getTextContent();
        return Arrays.asList(text.strip().split("\\s+"));
    }

    @Test
    void binJvmFlagsEqualsTheRootPomProperty() throws Exception {
        assertEquals(rootPomFlags(), JvmFlags.readFile(RepoFiles.bin("jvm-flags")));
    }

    @Test
    void theJavaSideEqualsTheRootPomProperty() throws Exception {
        assertEquals(rootPomFlags(), JvmFlags.list());
        assertEquals(String.join(" ", rootPomFlags()), JvmFlags.joined());
    }

    @Test
    void theListHasSparksOpensAndTheVectorModule() {
        List<String> flags = JvmFlags.list();
        assertEquals("-XX:+IgnoreUnrecognizedVMOptions", flags.get(0));
        assertTrue(flags.contains("--add-modules=jdk.incubator.vector"));
        assertTrue(flags.contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), "Kryo fails without it");
        assertTrue(flags.contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"));
        assertEquals(15, flags.stream().filter(f -> f.startsWith("--add-opens=")).count());
    }
}
