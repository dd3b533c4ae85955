package io.sparkgrad.cluster;

/**
 * A Spark executor JVM a loopback worker started.
 *
 * @param pid        its process id
 * @param appId      the application it serves ({@code app-20261101120000-0000})
 * @param executorId its executor id within the application ("0", "1", ...)
 * @param worker     the index of the worker that started it (0-based)
 */
public record ExecutorProcess(long pid, String appId, String executorId, int worker) {

    /** Whether the process is still running. */
    public boolean isAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
