package io.sparkgrad.trainer.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkgrad.trainer.ParameterSlice;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What makes a run's trajectory, as named strings: the model ({@code model.spec} when the caller gives one, and
 * {@code model.parameters}, the parameter names and shapes), the data ({@code data.partition_sizes} and
 * {@code data.sample_hash}, a content hash of a sample of the records), the optimizer ({@code optimizer} and one
 * {@code optimizer.<key>} per configuration value), {@code seed} and {@code global_batch}. A checkpoint records the
 * fingerprint of the run that wrote it, and a resume whose fingerprint differs is refused with
 * {@link #differences(RunFingerprint)}. The number of epochs, the transport and the worker count are not part of it:
 * a run may be extended, or resumed on the other transport, and still follow the same trajectory.
 *
 * @param entries the named values, in a stable order
 */
public record RunFingerprint(Map<String, String> entries) {

    /** Values longer than this are shortened in messages (a large model's parameter list). */
    private static final int SHOWN = 160;
    private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    public RunFingerprint {
        entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /**
     * The fingerprint of a trainer's run.
     *
     * @param modelSpec       the model's spec string, or null when the caller has none
     * @param layout          the model's parameters (names and shapes)
     * @param partitionSizes  samples per training partition, in partition order
     * @param sampleHash      a content hash of a sample of the training records
     * @param optimizer       the optimizer's name
     * @param optimizerConfig its hyperparameters
     * @param seed            the run seed
     * @param globalBatch     the global batch size
     */
    public static RunFingerprint of(String modelSpec, List<ParameterSlice> layout, int[] partitionSizes, String sampleHash, String optimizer,
                                    Map<String, ?> optimizerConfig, long seed, int globalBatch) {
        Map<String, String> e = new LinkedHashMap<>();
        if (modelSpec != null) {
            e.put("model.spec", modelSpec);
        }
        StringBuilder params = new StringBuilder();
        for (ParameterSlice s : layout) {
            params.append(params.length() == 0 ? "" : " ").append(s.name()).append(Arrays.toString(s.shape()).replace(" ", ""));
        }
        e.put("model.parameters", params.toString());
        e.put("data.partition_sizes", Arrays.toString(partitionSizes));
        e.put("data.sample_hash", sampleHash);
        e.put("optimizer", optimizer);
        new TreeMap<>(optimizerConfig).forEach((k, v) -> e.put("optimizer." + k, text(v)));
        e.put("seed", Long.toString(seed));
        e.put("global_batch", Integer.toString(globalBatch));
        return new RunFingerprint(e);
    }

    /**
     * Each entry where a checkpoint written with {@code this} fingerprint differs from {@code thisRun}, as
     * {@code "optimizer.lr: checkpoint 0.01, this run 0.02"} (an entry only one side has reads "absent" on the other).
     */
    public List<String> differences(RunFingerprint thisRun) {
        Set<String> keys = new LinkedHashSet<>(entries.keySet());
        keys.addAll(thisRun.entries.keySet());
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            String mine = entries.get(k);
            String theirs = thisRun.entries.get(k);
            if (mine == null ? theirs != null : !mine.equals(theirs)) {
                out.add(k + ": checkpoint " + shown(mine) + ", this run " + shown(theirs));
            }
        }
        return out;
    }

    /** A short stable id of the fingerprint (hex SHA-256 of its entries), for logs and file listings. */
    public String id() {
        StringBuilder s = new StringBuilder();
        entries.forEach((k, v) -> s.append(k).append('=').append(v).append('\n'));
        return sha256(s.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    /** Numbers and strings as they read; structured values (a learning-rate schedule) as JSON, in a stable form. */
    private static String text(Object v) {
        if (v instanceof Map<?, ?> || v instanceof Iterable<?> || (v != null && v.getClass().isArray())) {
            try {
                return JSON.writeValueAsString(v);
            } catch (JsonProcessingException ex) {
                throw new IllegalArgumentException("optimizer configuration value " + v + " cannot be written as JSON", ex);
            }
        }
        return String.valueOf(v);
    }

    private static String shown(String v) {
        if (v == null) {
            return "absent";
        }
        return v.length() <= SHOWN ? v : v.substring(0, SHOWN) + "... (" + v.length() + " characters)";
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
