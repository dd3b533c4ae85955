package io.sparkgrad.trainer.transport;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/** Kryo form of a {@link GradientSum}: its completed blocks, floats in bulk. */
public final class GradientSumSerializer extends Serializer<GradientSum> {

    @Override
    public void write(Kryo kryo, Output out, GradientSum sum) {
        GradientSum.Block[] blocks = sum.blocksForWrite();
        out.writeVarInt(blocks.length, true);
        for (GradientSum.Block b : blocks) {
            out.writeVarInt(b.level, true);
            out.writeVarInt(b.index, true);
            out.writeDouble(b.lossSum);
            out.writeVarLong(b.correct, true);
            out.writeVarLong(b.count, true);
            out.writeVarLong(b.maxComputeNanos, true);
            out.writeVarInt(b.grad.length, true);
            out.writeFloats(b.grad);
        }
    }

    @Override
    public GradientSum read(Kryo kryo, Input in, Class<GradientSum> type) {
        int n = in.readVarInt(true);
        GradientSum.Block[] blocks = new GradientSum.Block[n];
        for (int i = 0; i < n; i++) {
            int level = in.readVarInt(true);
            int index = in.readVarInt(true);
            double loss = in.readDouble();
            long correct = in.readVarLong(true);
            long count = in.readVarLong(true);
            long nanos = in.readVarLong(true);
            int len = in.readVarInt(true);
            blocks[i] = new GradientSum.Block(level, index, in.readFloats(len), loss, correct, count, nanos);
        }
        return new GradientSum(blocks);
    }
}
