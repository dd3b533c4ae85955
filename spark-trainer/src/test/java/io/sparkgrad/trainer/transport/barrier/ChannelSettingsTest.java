package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.DistributedTrainer;
import io.sparkgrad.trainer.transport.stage.StagePerStepTransport;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.net.BindException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the channel reads Spark's security settings, where its secret comes from, its port option and its log limits. */
class ChannelSettingsTest {

    static SparkConf conf(String... kv) {
        SparkConf c = new SparkConf(false);
        for (int i = 0; i < kv.length; i += 2) {
            c.set(kv[i], kv[i + 1]);
        }
        return c;
    }

    @Test
    void theKeyComesFromSparksSecretExactlyWithSparkAuthenticate() {
        assertFalse(ChannelSecurity.from(conf()).keyFromSparkAuth());
        assertTrue(ChannelSecurity.from(conf("spark.authenticate", "true")).keyFromSparkAuth());
        // Spark's encryption settings no longer choose anything: frames are always encrypted.
        for (String key : List.of("spark.network.crypto.enabled", "spark.ssl.enabled", "spark.ssl.rpc.enabled",
                "spark.authenticate.enableSaslEncryption")) {
            assertEquals(ChannelSecurity.from(conf()), ChannelSecurity.from(conf(key, "true")), key);
        }
    }

    @Test
    void aClusterRunWithoutSparkAuthenticateIsWarnedWhatAnAttackerCanDoAndWhatFixesIt() {
        Optional<String> w = ChannelSecurity.from(conf()).warning("spark://10.0.0.5:7077");
        assertTrue(w.isPresent());
        String text = w.get();
        // Encryption does not help against whoever holds the key: the warning says so, and what fixes it.
        for (String must : List.of("spark.authenticate is off", "travels inside the task binary", "read the model's weights and gradients",
                "despite the encryption", "inject gradients", "poison the model", "spark.authenticate=true",
                "spark.network.crypto.enabled=true")) {
            assertTrue(text.contains(must), "warning lacks '" + must + "': " + text);
        }
        assertTrue(ChannelSecurity.from(conf()).warning("yarn").isPresent());
        assertTrue(ChannelSecurity.from(conf()).warning("k8s://https://api:6443").isPresent());
        assertTrue(ChannelSecurity.from(conf("spark.ssl.enabled", "true")).warning("yarn").isPresent(),
                "Spark's own encryption does not keep the task binary's key from an attacker");
    }

    @Test
    void noWarningOnLocalMastersOrWithSparkAuthenticate() {
        for (String local : List.of("local", "local[2]", "local[*]", "local[4,2]", "local-cluster[2,1,1024]")) {
            assertEquals(Optional.empty(), ChannelSecurity.from(conf()).warning(local), local);
        }
        assertEquals(Optional.empty(), ChannelSecurity.from(conf("spark.authenticate", "true")).warning("spark://h:7077"));
    }

    static byte[] serialized(Object o) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(o);
        }
        return b.toByteArray();
    }

    @Test
    void withSparkAuthenticateTheTaskCarriesASaltAndTheSecretIsDerivedFromSparksSecret() throws IOException {
        ChannelSecret derived = ChannelSecurity.from(conf("spark.authenticate", "true")).newSecret();
        assertTrue(derived.fromSparkAuth());
        byte[] key = derived.resolve("spark-secret-A");
        assertEquals(32, key.length);
        assertArrayEquals(key, derived.resolve("spark-secret-A"), "driver and executors derive the same key");
        assertFalse(java.util.Arrays.equals(key, derived.resolve("spark-secret-B")), "another Spark secret, another key");
        assertFalse(FrameTamperingTest.contains(serialized(derived), key, 0, 8), "the derived key is not in what the task carries");
        ChannelSecret other = ChannelSecurity.from(conf("spark.authenticate", "true")).newSecret();
        assertFalse(java.util.Arrays.equals(key, other.resolve("spark-secret-A")), "every run gets its own key");

        ChannelSecret random = ChannelSecurity.from(conf()).newSecret();
        assertFalse(random.fromSparkAuth());
        byte[] r = random.resolve();
        assertTrue(FrameTamperingTest.contains(serialized(random), r, 0, r.length), "without spark.authenticate the key travels with the task");
    }

    @Test
    void channelPortAcceptsAPortARangeOrAnyAndNamesTheFormsOtherwise() {
        assertEquals(new ChannelPorts(50100, 50100), ChannelPorts.parse("50100"));
        assertEquals(new ChannelPorts(50100, 50200), ChannelPorts.parse(" 50100-50200 "));
        assertEquals(ChannelPorts.ANY, ChannelPorts.parse("0"));
        for (String bad : List.of("", "abc", "70000", "-5", "50200-50100", "0-10", "50100-", "1-65536")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChannelPorts.parse(bad), bad);
            assertTrue(e.getMessage().contains("channelPort '" + bad + "'") && e.getMessage().contains("50100-50200"), e.getMessage());
        }
    }

    @Test
    void theServerTakesTheFirstFreePortOfItsRangeAndSaysWhenNoneIsFree() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int p = taken.getLocalPort();
            // The range starts at a taken port; the next one is very likely free (retry the pick if not).
            ChannelPorts range = new ChannelPorts(p, Math.min(65535, p + 20));
            try (ServerSocket s = AggregationServer.bind("127.0.0.1", range)) {
                assertTrue(s.getLocalPort() > p && s.getLocalPort() <= range.high(), "bound " + s.getLocalPort() + " in " + range);
            }
            BindException e = assertThrows(BindException.class, () -> AggregationServer.bind("127.0.0.1", new ChannelPorts(p, p)));
            assertTrue(e.getMessage().contains("no free port") && e.getMessage().contains(String.valueOf(p)), e.getMessage());
        }
    }

    @Test
    void theTrainerBuilderTakesAChannelPortForTheBarrierTransportOnly() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> DistributedTrainer.builder().channelPort("port9"));
        assertTrue(bad.getMessage().contains("channelPort 'port9'"), bad.getMessage());
        BarrierTransport t = (BarrierTransport) BarrierTransport.onPorts(new BarrierTransport(), ChannelPorts.parse("50100-50200"));
        assertEquals(new ChannelPorts(50100, 50200), t.channelPorts());
        IllegalArgumentException stage = assertThrows(IllegalArgumentException.class,
                () -> BarrierTransport.onPorts(new StagePerStepTransport(), ChannelPorts.parse("50100")));
        assertTrue(stage.getMessage().contains("barrier transport only"), stage.getMessage());
    }

    @Test
    void refusalsAreLoggedAtMostOncePerIntervalWithACountOfTheRest() {
        long[] now = {0};
        List<String> lines = new ArrayList<>();
        RefusalLog log = new RefusalLog(10_000_000_000L, () -> now[0], lines::add);
        for (int i = 0; i < 100; i++) {
            log.refused("/10.0.0.9:" + (40000 + i), "wrong authentication code");
            now[0] += 1_000_000L;
        }
        assertEquals(1, lines.size(), "one line for a burst of 100 within 0.1 s");
        now[0] = 10_500_000_000L;
        log.refused("/10.0.0.9:1", "wrong authentication code");
        assertEquals(2, lines.size());
        assertTrue(lines.get(1).contains("and 99 more refused connections since the last report"), lines.get(1));
    }
}
