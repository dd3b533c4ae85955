package io.sparkgrad.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataLocationTest {
    @TempDir
    Path dir;

    private final Configuration conf = new Configuration();

    private DataLocation resolve(Path p) throws Exception {
        return DataLocation.resolve(p.toString(), "data.train", conf);
    }

    @Test
    void mnistMeansTheCache() throws Exception {
        DataLocation l = DataLocation.resolve("mnist", "data.train", conf);
        assertEquals(DataLocation.Kind.MNIST_CACHE, l.kind());
        assertTrue(l.labelled());
    }

    @Test
    void aFolderWithTheStandardNamesIsAnMnistFolder() throws Exception {
        Files.createFile(dir.resolve("t10k-images-idx3-ubyte.gz"));
        assertEquals(DataLocation.Kind.MNIST_FOLDER, resolve(dir).kind());
    }

    @Test
    void parquetAndCsvAreToldByTheirNames() throws Exception {
        Path parts = Files.createDirectories(dir.resolve("train"));
        Files.createFile(parts.resolve("part-00000-abc.snappy.parquet"));
        Files.createFile(parts.resolve("_SUCCESS"));
        assertEquals(DataLocation.Kind.PARQUET, resolve(parts).kind());
        assertEquals(DataLocation.Kind.PARQUET, resolve(Files.createFile(dir.resolve("one.parquet"))).kind());
        assertEquals(DataLocation.Kind.CSV, resolve(Files.createFile(dir.resolve("mnist_train.csv.gz"))).kind());
        Path csvs = Files.createDirectories(dir.resolve("csv"));
        Files.createFile(csvs.resolve("part-0.csv"));
        assertEquals(DataLocation.Kind.CSV, resolve(csvs).kind());
    }

    @Test
    void anIdxImageFileFindsItsLabelsNextToIt() throws Exception {
        Path images = Files.createFile(dir.resolve("my-images-idx3-ubyte.gz"));
        DataLocation unlabelled = resolve(images);
        assertEquals(DataLocation.Kind.IDX, unlabelled.kind());
        assertNull(unlabelled.labels());
        assertFalse(unlabelled.labelled());
        Path labels = Files.createFile(dir.resolve("my-labels-idx1-ubyte.gz"));
        DataLocation labelled = resolve(images);
        assertTrue(labelled.labelled());
        assertEquals(labels.toUri().getPath(), java.net.URI.create(labelled.labels()).getPath());
    }

    @Test
    void missingDataNamesTheKeyAndThePath() {
        Path nowhere = dir.resolve("nowhere");
        FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> resolve(nowhere));
        assertTrue(e.getMessage().startsWith("data.train: " + nowhere + " does not exist"), e.getMessage());
        IllegalArgumentException blank = assertThrows(IllegalArgumentException.class, () -> DataLocation.resolve(" ", "--data", conf));
        assertTrue(blank.getMessage().startsWith("--data: no data set given"), blank.getMessage());
    }

    @Test
    void aFolderOfSomethingElseSaysWhatItExpected() throws Exception {
        Files.createFile(dir.resolve("notes.txt"));
        FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> resolve(dir));
        assertTrue(e.getMessage().contains("holds neither the MNIST IDX files"), e.getMessage());
    }
}
