package io.sparkgrad.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.tensor.CudaUnderTest;
import io.sparkgrad.tensor.Device;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PyTorch parity on a CUDA device: every golden case runs with its inputs (and any model or optimizer) on the device
 * through {@link GoldenCasesTest}'s runner, outputs and gradients compared after {@code cpu()} at the case's own
 * tolerance. The cases whose op has no CUDA implementation yet are listed in {@link #REFUSED_ON_CUDA}: each of them must
 * be refused with the error that names the op and the device, every other case must pass, and after all of them every
 * file was one or the other, so nothing is skipped silently. When an op lands on the device its cases fail here until
 * they leave the list. Each subclass supplies the device; without one, each case is skipped and counted as skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GoldenCasesOnCudaContract {
    /**
     * The golden cases refused on a device, with the op the refusal names: none today. A case lands here only with the
     * op it needs refused by name on a device, never silently skipped.
     */
    static final Set<String> REFUSED_ON_CUDA = Set.of();

    private static final GoldenFolder FOLDER = GoldenFolder.locate();
    private static final List<Path> FILES = FOLDER.caseFiles();

    private final AtomicInteger checked = new AtomicInteger();
    private final Set<String> refused = new TreeSet<>();
    private Device dev;
    private CudaUnderTest cuda;

    /** The cuda:0 this contract runs on, opened before the first case and closed after the last. */
    abstract CudaUnderTest openCuda() throws Exception;

    @BeforeEach
    void needDevice() throws Exception {
        if (cuda == null) {
            cuda = openCuda();
            dev = cuda.device();
        }
        cuda.assumePresent();
    }

    static Stream<String> caseFiles() {
        return FILES.stream().map(p -> p.getFileName().toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseFiles")
    void matchesPyTorchOnTheDevice(String file) {
        GoldenCase c = GoldenCase.read(FOLDER.resolve(file));
        if (REFUSED_ON_CUDA.contains(file)) {
            var e = assertThrows(UnsupportedOperationException.class, () -> GoldenCasesTest.check(c, dev),
                    file + " is listed as refused on " + dev + ": if its op now runs there, take it off REFUSED_ON_CUDA");
            assertTrue(e.getMessage().startsWith(c.op()) && e.getMessage().contains("has no CUDA implementation")
                    && e.getMessage().contains(dev.toString()), file + ": the refusal names the op and the device: " + e.getMessage());
            refused.add(file);
        } else {
            GoldenCasesTest.check(c, dev);
            checked.incrementAndGet();
        }
    }

    @AfterAll
    void everyCaseWasCheckedOrRefusedAsListed() throws Exception {
        if (dev == null) {
            if (cuda != null) {
                cuda.close();
            }
            return;
        }
        try {
            assertTrue(FILES.size() > 0, "no *.json golden cases in " + FOLDER.dir());
            assertEquals(new TreeSet<>(REFUSED_ON_CUDA), refused, "the cases refused on " + dev);
            assertEquals(FILES.size() - REFUSED_ON_CUDA.size(), checked.get(), "golden cases checked and passed on " + dev
                    + " out of the " + FILES.size() + " files in " + FOLDER.dir() + " less the " + REFUSED_ON_CUDA.size() + " refused");
        } finally {
            cuda.close();
        }
    }
}
