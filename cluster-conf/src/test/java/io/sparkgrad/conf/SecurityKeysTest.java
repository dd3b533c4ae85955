package io.sparkgrad.conf;

import static io.sparkgrad.conf.ConfigProblems.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/** {@code spark.secure} (Spark's authentication and network encryption) and {@code training.channelPort}. */
class SecurityKeysTest {

    @Test
    void secureTurnsOnSparksAuthenticationAndNetworkEncryptionOnAnyPreset() {
        JobConfig c = new JobConfigLoader().preset(Preset.YARN).set("spark.secure=true").load().config();
        SortedMap<String, String> conf = SparkSettings.resolve(c, List.of());
        assertEquals("true", conf.get("spark.authenticate"));
        assertEquals("true", conf.get("spark.network.crypto.enabled"));

        SortedMap<String, String> plain = SparkSettings.resolve(new JobConfigLoader().preset(Preset.YARN).load().config(), List.of());
        assertNull(plain.get("spark.authenticate"));
        assertNull(plain.get("spark.network.crypto.enabled"));
    }

    @Test
    void aSettingTheUserGaveWinsOverSecure() {
        JobConfig c = new JobConfigLoader().set("spark.secure=true").set("spark.conf.spark.network.crypto.enabled=false").load().config();
        assertEquals("false", SparkSettings.resolve(c, List.of()).get("spark.network.crypto.enabled"));
    }

    @Test
    void secureOnStandaloneNeedsTheClustersSecret() {
        ConfigProblem p = only(new JobConfigLoader().preset(Preset.STANDALONE)
                .set("spark.master=spark://m:7077").set("spark.secure=true"));
        assertEquals("spark.secure", p.path());
        assertTrue(p.message().contains("spark.authenticate.secret"), p.message());
        new JobConfigLoader().preset(Preset.STANDALONE).set("spark.master=spark://m:7077").set("spark.secure=true")
                .set("spark.conf.spark.authenticate.secret=s3cret").load();
    }

    @Test
    void channelPortTakesAPortARangeOrZero() {
        assertEquals("0", new JobConfigLoader().load().config().training().channelPort());
        assertEquals("50100", new JobConfigLoader().set("training.channelPort=50100").load().config().training().channelPort());
        assertEquals("50100-50200", new JobConfigLoader().set("training.channelPort=50100-50200").load().config().training().channelPort());
        ConfigProblem p = only(new JobConfigLoader().set("training.channelPort=70000"));
        assertEquals("training.channelPort", p.path());
        assertTrue(p.message().contains("1-65535"), p.message());
        ConfigProblem reversed = only(new JobConfigLoader().set("training.channelPort=50200-50100"));
        assertEquals("training.channelPort", reversed.path());
    }

    @Test
    void aChannelPortWithTheStageTransportIsRefusedByName() {
        ConfigProblem p = only(new JobConfigLoader().set("training.transport=stage").set("training.channelPort=50100"));
        assertEquals("training.channelPort", p.path());
        assertTrue(p.message().contains("stage"), p.message());
        assertFalse(new JobConfigLoader().set("training.transport=stage").load().config().training().channelPort().isBlank());
    }
}
