package io.sparkgrad.trainer.transport.barrier;

import org.apache.spark.SparkEnv;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * What a barrier task carries to find the run's channel secret. With {@code spark.authenticate=true} it is a random
 * per-run salt, and the secret is {@code HMAC-SHA256(Spark's auth secret, "sparkgrad-channel-secret-v1" || salt)},
 * computed where it is needed from {@code SparkEnv.get().securityManager().getSecretKey()} (Spark gives its secret to
 * every executor it starts); reading the task binary then reveals nothing that opens the channel. Otherwise it is the
 * random secret itself, as safe as the task binary that carries it.
 */
final class ChannelSecret implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final byte[] LABEL = "sparkgrad-channel-secret-v1".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] material;
    private final boolean fromSparkAuth;

    private ChannelSecret(byte[] material, boolean fromSparkAuth) {
        this.material = material;
        this.fromSparkAuth = fromSparkAuth;
    }

    static ChannelSecret random() {
        return new ChannelSecret(fresh(), false);
    }

    static ChannelSecret derivedFromSparkAuth() {
        return new ChannelSecret(fresh(), true);
    }

    private static byte[] fresh() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return b;
    }

    boolean fromSparkAuth() {
        return fromSparkAuth;
    }

    /** The secret, from this JVM's Spark auth secret where needed (driver or executor). */
    byte[] resolve() {
        if (!fromSparkAuth) {
            return material.clone();
        }
        SparkEnv env = SparkEnv.get();
        String sparkSecret = env == null ? null : env.securityManager().getSecretKey();
        if (sparkSecret == null || sparkSecret.isEmpty()) {
            throw new IllegalStateException("the barrier channel derives its key from Spark's auth secret (spark.authenticate=true), "
                    + "but this JVM's Spark has none" + (env == null ? " (no SparkEnv)" : "") + ": check spark.authenticate and "
                    + "spark.authenticate.secret on driver and executors");
        }
        return resolve(sparkSecret);
    }

    /** The secret derived from a given Spark auth secret (for {@link #resolve()} and tests). */
    byte[] resolve(String sparkSecret) {
        if (!fromSparkAuth) {
            return material.clone();
        }
        return Handshake.hmac(sparkSecret.getBytes(StandardCharsets.UTF_8), LABEL, material);
    }
}
