package io.sparkgrad.ingest.mnist;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Command line: fills the MNIST cache (see {@link MnistCache} for the folder and the sources) and prints the
 * folder. Exit code 0 when the four files are there and verified, 1 when they cannot be had (the message says
 * which are missing and how to provide them), 2 for a usage error.
 */
@Command(name = "mnist-download", mixinStandardHelpOptions = true,
        description = "Download MNIST into the cache folder and verify the SHA-256 of each decompressed file.")
public final class MnistDownload implements Callable<Integer> {

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "The MNIST folder itself. Default: <" + MnistCache.DATA_DIR_PROPERTY + ">/mnist, else <$"
                    + MnistCache.DATA_DIR_ENV + ">/mnist, else ~/.cache/sparkgrad/mnist.")
    String cacheDir;

    @Option(names = "--offline", description = "Fetch nothing: only check that the files are cached and intact.")
    boolean offline;

    /** Runs the command line; exits with its code. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new MnistDownload()).execute(args));
    }

    @Override
    public Integer call() {
        Path dir = MnistCache.resolveDir(cacheDir);
        try {
            MnistCache.ensure(dir, !offline, System.err::println);
        } catch (IOException e) {
            // DataUnavailableException's message lists the missing files and how to provide them.
            System.err.println("mnist-download: " + e.getMessage());
            return 1;
        }
        System.out.println(dir);
        return 0;
    }
}
