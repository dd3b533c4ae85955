package io.sparkgrad.ingest.spark;

import java.io.Serializable;

/**
 * Records {@code first} to {@code first + count - 1} of a file, the share of one partition.
 *
 * @param first first record
 * @param count number of records
 */
record RecordRange(long first, long count) implements Serializable {

    /** Partition {@code p} of {@code parts} contiguous, balanced shares of {@code count} records from {@code first}. */
    static RecordRange share(long first, long count, int p, int parts) {
        long a = count * p / parts;
        long b = count * (p + 1) / parts;
        return new RecordRange(first + a, b - a);
    }
}
