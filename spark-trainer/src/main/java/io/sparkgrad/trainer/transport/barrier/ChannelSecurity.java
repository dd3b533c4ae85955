package io.sparkgrad.trainer.transport.barrier;

import org.apache.spark.SparkConf;

import java.util.Optional;

/**
 * How a run's barrier channel is protected and keyed, decided on the driver from Spark's own security settings:
 *
 * <ul>
 *   <li>frames are encrypted (AES-GCM) where Spark encrypts its own traffic ({@code spark.network.crypto.enabled},
 *       {@code spark.authenticate.enableSaslEncryption}, {@code spark.ssl.enabled} or {@code spark.ssl.rpc.enabled}),
 *       and authenticated with HMAC-SHA256 and a sequence number otherwise: never sent bare;</li>
 *   <li>with {@code spark.authenticate=true} the channel secret is derived from Spark's auth secret, which driver
 *       and executors already hold, and only a random salt travels with the tasks ({@link ChannelSecret}); without it
 *       a random per-run secret travels inside the task binary, which Spark then serves without authentication.</li>
 * </ul>
 *
 * @param mode             frame protection after the handshake
 * @param keyFromSparkAuth whether the channel secret is derived from Spark's auth secret
 */
record ChannelSecurity(FrameProtection.Mode mode, boolean keyFromSparkAuth) {

    static ChannelSecurity from(SparkConf conf) {
        boolean authenticate = conf.getBoolean("spark.authenticate", false);
        boolean sparkEncrypts = conf.getBoolean("spark.network.crypto.enabled", false)
                || conf.getBoolean("spark.authenticate.enableSaslEncryption", false)
                || conf.getBoolean("spark.ssl.enabled", false)
                || conf.getBoolean("spark.ssl.rpc.enabled", false);
        return new ChannelSecurity(sparkEncrypts ? FrameProtection.Mode.AES_GCM : FrameProtection.Mode.HMAC_SHA256, authenticate);
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
        String reads = mode == FrameProtection.Mode.AES_GCM ? "" : "read the model's weights and gradients as they cross the network, and ";
        return Optional.of("Sparkgrad: spark.authenticate is off on cluster master " + master + ". The barrier channel's key then "
                + "travels inside the task binary, which Spark serves to anyone who can reach the driver or an executor: an "
                + "attacker on the network can " + reads + "take that key, connect as a worker and inject gradients that "
                + "silently poison the model. Set spark.authenticate=true (the channel key is then derived from Spark's own "
                + "secret) and spark.network.crypto.enabled=true (Spark's traffic and the channel are then encrypted).");
    }

    /** A line for runs whose channel is authenticated but sent in clear, or null. */
    String cleartextNote(String master) {
        if (master == null || master.startsWith("local") || !keyFromSparkAuth || mode == FrameProtection.Mode.AES_GCM) {
            return null;
        }
        return "Sparkgrad: the barrier channel is authenticated (HMAC-SHA256 per frame) but not encrypted, as Spark's own "
                + "traffic is not: set spark.network.crypto.enabled=true to encrypt both";
    }
}
