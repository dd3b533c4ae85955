package io.sparkgrad.cuda;

/**
 * A kernel launch's geometry: a 2-D grid of blocks of {@code block} threads, with {@code sharedBytes} of dynamic shared
 * memory. The factories are the one place that sizes launches; every kernel loops grid-stride (or over rows by
 * {@code gridDim.x}), so capping the grid never skips work.
 */
public record Launch(int gridX, int gridY, int block, int sharedBytes) {

    /** The largest grid x the host asks for: enough blocks to fill any current GPU many times over. */
    public static final int MAX_GRID = 65_535;
    /** Threads per block of elementwise kernels. */
    public static final int THREADS = 256;
    /** The output tile of {@code sgemm_f32} (see sgemm.cu): 64 x 64 per block of 256 threads. */
    public static final int GEMM_TILE = 64;

    public Launch {
        if (gridX < 1 || gridY < 1 || gridX > MAX_GRID || gridY > MAX_GRID || block < 1 || block > 1024 || sharedBytes < 0) {
            throw new IllegalArgumentException("bad launch: grid " + gridX + " x " + gridY + ", block " + block + ", shared "
                    + sharedBytes);
        }
    }

    /** One thread per element of {@code n}, grid-stride beyond {@link #MAX_GRID} blocks. */
    public static Launch elementwise(long n) {
        return new Launch((int) Math.max(1, Math.min(MAX_GRID, (n + THREADS - 1) / THREADS)), 1, THREADS, 0);
    }

    /**
     * One block per row (reductions and softmax along rows of {@code cols}): a power-of-two block of 32 to 256 threads,
     * no wider than the row needs, with a float of shared memory per thread.
     */
    public static Launch perRow(int rows, int cols) {
        int block = 32;
        while (block < THREADS && block < cols) {
            block *= 2;
        }
        return new Launch(Math.max(1, Math.min(MAX_GRID, rows)), 1, block, block * Float.BYTES);
    }

    /** The tiles of an {@code [m, n]} GEMM output. */
    public static Launch gemm(int m, int n) {
        long tilesX = (n + GEMM_TILE - 1L) / GEMM_TILE;
        long tilesY = (m + GEMM_TILE - 1L) / GEMM_TILE;
        if (tilesY > MAX_GRID || tilesX > MAX_GRID) {
            throw new IllegalArgumentException("sgemm output [" + m + ", " + n + "] needs more than " + MAX_GRID
                    + " tiles along a side; split it");
        }
        return new Launch((int) Math.max(1, tilesX), (int) Math.max(1, tilesY), THREADS, 0);
    }
}
