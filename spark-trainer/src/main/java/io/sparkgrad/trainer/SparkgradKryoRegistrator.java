package io.sparkgrad.trainer;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.transport.GradientSum;
import io.sparkgrad.trainer.transport.GradientSumSerializer;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Registers every class the trainer sends through Spark's serializer (cached and shuffled blocks, task results,
 * broadcast weights), with compact hand-written serializers for the records: Kryo 4 cannot set a record's final
 * fields by itself. The trainer's tests run with {@code spark.kryo.registrationRequired=true}.
 *
 * <pre>{@code
 * SparkConf conf = SparkgradKryoRegistrator.configure(new SparkConf());
 * }</pre>
 */
public final class SparkgradKryoRegistrator implements KryoRegistrator {

    /** Sets Kryo as Spark's serializer with this registrator (keeps any registrator already configured). */
    public static SparkConf configure(SparkConf conf) {
        String mine = SparkgradKryoRegistrator.class.getName();
        String existing = conf.get("spark.kryo.registrator", "");
        String registrators = existing.isEmpty() ? mine : existing.contains(mine) ? existing : existing + "," + mine;
        return conf.set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", registrators);
    }

    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(SampleBlock.class, new SampleBlockSerializer());
        kryo.register(StepStats.class, new StepStatsSerializer());
        kryo.register(GradientSum.class, new GradientSumSerializer());
        kryo.register(float[].class);
        kryo.register(int[].class);
        kryo.register(long[].class);
        kryo.register(int[][].class);
    }

    /** Kryo form of a {@link SampleBlock}: partition, shape, labels, then the features in bulk. */
    public static final class SampleBlockSerializer extends Serializer<SampleBlock> {
        @Override
        public void write(Kryo kryo, Output out, SampleBlock b) {
            out.writeVarInt(b.partition(), true);
            int[] shape = b.featureShape();
            out.writeVarInt(shape.length, true);
            out.writeInts(shape, true);
            out.writeVarInt(b.labels().length, true);
            out.writeInts(b.labels(), true);
            out.writeVarInt(b.features().length, true);
            out.writeFloats(b.features());
        }

        @Override
        public SampleBlock read(Kryo kryo, Input in, Class<SampleBlock> type) {
            int partition = in.readVarInt(true);
            int[] shape = in.readInts(in.readVarInt(true), true);
            int[] labels = in.readInts(in.readVarInt(true), true);
            float[] features = in.readFloats(in.readVarInt(true));
            return new SampleBlock(partition, features, labels, shape);
        }
    }

    /** Kryo form of {@link StepStats}. */
    public static final class StepStatsSerializer extends Serializer<StepStats> {
        @Override
        public void write(Kryo kryo, Output out, StepStats s) {
            out.writeDouble(s.lossSum());
            out.writeVarLong(s.correct(), true);
            out.writeVarLong(s.count(), true);
        }

        @Override
        public StepStats read(Kryo kryo, Input in, Class<StepStats> type) {
            return new StepStats(in.readDouble(), in.readVarLong(true), in.readVarLong(true));
        }
    }
}
