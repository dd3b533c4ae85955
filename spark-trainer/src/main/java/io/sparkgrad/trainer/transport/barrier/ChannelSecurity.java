package io.sparkgrad.trainer.transport.barrier;

import org.apache.spark.SparkConf;

import java.util.Optional;

/**
 * Where a run's barrier channel secret comes from, decided on the driver from Spark's own security settings. Frames
 * are always encrypted and authenticated (AES-GCM, {@link FrameProtection}) under keys derived from that secret in
 * each connection's handshake, so what matters is who else can hold it:
 *
 * <ul>
 *   <li>with {@code spark.authenticate=true} the channel secret is derived from Spark's auth secret, which driver
 *       and executors already hold, and only a random salt travels with the tasks ({@link ChannelSecret});</li>
 *   <li>without it a random per-run secret travels inside the task binary, which Spark then serves without
 *       authentication: whoever fetches it can derive the frame keys (the handshake's nonces are public), read the
 *       channel and join it as a worker.</li>
 * </ul>
 *
 * @param keyFromSparkAuth whether the channel secret is derived from Spark's auth secret
 */
record ChannelSecurity(boolean keyFromSparkAuth) {

    static ChannelSecurity from(SparkConf conf) {
        return new ChannelSecurity(conf.getBoolean("spark.authenticate", false));
    }

    /** A fresh secret for a run with these settings (a salt for Spark's secret, or the random secret itself). */
    ChannelSecret newSecret() {
        return keyFromSparkAuth ? ChannelSecret.derivedFromSparkAuth() : ChannelSecret.random();
    }

    /**
     * The warning a run on {@code master} should log at its start, if any: on a cluster (any master but
     * {@code local...}) without {@code spark.authenticate}. Local masters keep the channel on this machine.
     */
    Optional<String> warning(String master) {
        if (master == null || master.startsWith("local") || keyFromSparkAuth) {
            return Optional.empty();
        }
        return Optional.of("Sparkgrad: spark.authenticate is off on cluster master " + master + ". The barrier channel's key then "
                + "travels inside the task binary, which Spark serves to anyone who can reach the driver or an executor: an "
                + "attacker on the network can take that key, derive the channel's frame keys from it, read the model's weights "
                + "and gradients despite the encryption, connect as a worker and inject gradients that silently poison the "
                + "model. Set spark.authenticate=true (the channel key is then derived from Spark's own secret) and "
                + "spark.network.crypto.enabled=true (Spark's own traffic, task binaries included, is then encrypted too).");
    }
}
