package io.sparkgrad.cuda;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A GPU stand-in for tests: the committed CUDA sources compiled for the CPU with src/test/cuda/emulate.h and driven
 * through the same {@link KernelLauncher} and {@link RawDeviceMemory} seams as {@link GpuSession}, so {@link CudaOps}'
 * host logic and the kernels' own code run together on machines without a GPU. Needs g++ (C++20).
 */
final class EmulatedDevice implements KernelLauncher, RawDeviceMemory, DeviceCopies, AutoCloseable {
    /** core-tensor's folder: the working directory in its own tests, its sibling in another module's. */
    private static final Path ROOT = Files.isDirectory(Path.of("src/main/cuda")) ? Path.of("") : Path.of("../core-tensor");
    private static final Path BINARY = ROOT.resolve("target/cuda-emulator");
    private final Process process;
    private final Writer in;
    private final BufferedReader out;

    private EmulatedDevice(Process process) {
        this.process = process;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
    }

    /** Builds the emulator when a CUDA or emulator source is newer than it, then starts it. */
    static EmulatedDevice start() throws IOException, InterruptedException {
        List<Path> sources = new ArrayList<>();
        for (String dir : List.of("src/main/cuda", "src/test/cuda")) {
            try (Stream<Path> files = Files.list(ROOT.resolve(dir))) {
                files.forEach(sources::add);
            }
        }
        boolean stale = !Files.exists(BINARY);
        for (Path s : sources) {
            stale |= !stale && Files.getLastModifiedTime(s).compareTo(Files.getLastModifiedTime(BINARY)) > 0;
        }
        if (stale) {
            Files.createDirectories(BINARY.getParent());
            Process gxx = new ProcessBuilder("g++", "-std=c++20", "-O1", "-ffp-contract=off", "-pthread", "-w",
                    "-I", ROOT.resolve("src/main/cuda").toString(), "-I", ROOT.resolve("src/test/cuda").toString(),
                    ROOT.resolve("src/test/cuda/emulator.cpp").toString(), "-o", BINARY.toString())
                    .redirectErrorStream(true).start();
            String log = new String(gxx.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!gxx.waitFor(300, TimeUnit.SECONDS) || gxx.exitValue() != 0) {
                throw new IllegalStateException("building the CUDA emulator failed:\n" + log);
            }
        }
        return new EmulatedDevice(new ProcessBuilder(BINARY.toAbsolutePath().toString()).start());
    }

    private synchronized String call(String command) {
        try {
            in.write(command);
            in.write('\n');
            in.flush();
            String reply = out.readLine();
            if (reply == null || reply.startsWith("error")) {
                throw new IllegalStateException("emulator: " + reply + " for " + command.substring(0, Math.min(80, command.length())));
            }
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public long allocate(long bytes) {
        return Long.parseUnsignedLong(call("A " + bytes));
    }

    @Override
    public void free(long address) {
        call("F " + Long.toUnsignedString(address));
    }

    @Override
    public void launch(CudaKernel kernel, Launch launch, Object... args) {
        kernel.checkArgs(args);
        StringBuilder b = new StringBuilder("L ").append(kernel.entry()).append(' ').append(launch.gridX()).append(' ')
                .append(launch.gridY()).append(' ').append(launch.block()).append(' ').append(launch.sharedBytes()).append(' ')
                .append(args.length);
        for (Object a : args) {
            b.append(' ').append(a instanceof Float f ? Integer.toString(Float.floatToRawIntBits(f))
                    : a instanceof Long l ? Long.toUnsignedString(l) : a.toString());
        }
        call(b.toString());
    }

    @Override
    public void copyIn(float[] host, long address) {
        int[] bits = new int[host.length];
        for (int i = 0; i < host.length; i++) {
            bits[i] = Float.floatToRawIntBits(host[i]);
        }
        copyIn(bits, address);
    }

    @Override
    public void copyIn(int[] host, long address) {
        StringBuilder b = new StringBuilder("W ").append(Long.toUnsignedString(address)).append(' ').append(host.length);
        for (int v : host) {
            b.append(' ').append(Integer.toUnsignedString(v));
        }
        call(b.toString());
    }

    @Override
    public void copyOut(long address, float[] host) {
        String[] bits = call("R " + Long.toUnsignedString(address) + " " + host.length).split(" ");
        for (int i = 0; i < host.length; i++) {
            host[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(bits[i]));
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
