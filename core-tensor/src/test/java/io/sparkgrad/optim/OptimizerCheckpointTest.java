package io.sparkgrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.sparkgrad.io.Safetensors;
import io.sparkgrad.io.SafetensorsFile;
import io.sparkgrad.nn.F;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An optimizer's state written to a safetensors file with the parameters, and a run resumed from it bit for bit. */
class OptimizerCheckpointTest {

    @TempDir
    Path dir;

    private static final Tensor X = Tensor.randn(new Generator(11), 16, 4);
    private static final Tensor Y = Tensor.randn(new Generator(12), 16, 3);

    private static List<Tensor> freshParams() {
        return List.of(Tensor.randn(new Generator(13), 3, 4).requiresGrad(true), Tensor.zeros(3).requiresGrad(true));
    }

    private static void train(Optimizer opt, int steps) {
        Tensor w = opt.params().get(0);
        Tensor b = opt.params().get(1);
        for (int s = 0; s < steps; s++) {
            opt.zeroGrad();
            F.mseLoss(F.linear(X, w, b), Y).backward();
            opt.step();
        }
    }

    private void resumesIdentically(Function<List<Tensor>, Optimizer> make) throws IOException {
        Optimizer straight = make.apply(freshParams());
        train(straight, 7);

        Optimizer first = make.apply(freshParams());
        train(first, 3);
        Map<String, Tensor> ckpt = new LinkedHashMap<>();
        ckpt.put("0.weight", first.params().get(0));
        ckpt.put("0.bias", first.params().get(1));
        OptimizerState state = first.stateDict();
        state.tensors().forEach((k, v) -> ckpt.put("optim." + k, v));
        Path file = dir.resolve(first.name() + ".safetensors");
        Safetensors.save(ckpt, state.metadata(), file);

        SafetensorsFile loaded = Safetensors.read(file);
        Map<String, Tensor> buffers = new LinkedHashMap<>();
        loaded.tensors().forEach((k, v) -> {
            if (k.startsWith("optim.")) {
                buffers.put(k.substring("optim.".length()), v);
            }
        });
        List<Tensor> params = List.of(loaded.tensors().get("0.weight").requiresGrad(true), loaded.tensors().get("0.bias").requiresGrad(true));
        Optimizer resumed = make.apply(params);
        resumed.loadStateDict(OptimizerState.fromTensors(buffers, loaded.metadata()));
        train(resumed, 4);

        assertArrayEquals(straight.params().get(0).toFloatArray(), resumed.params().get(0).toFloatArray(), straight.name());
        assertArrayEquals(straight.params().get(1).toFloatArray(), resumed.params().get(1).toFloatArray(), straight.name());
    }

    @Test
    void sgdWithNesterovMomentumResumesFromAFile() throws IOException {
        resumesIdentically(ps -> SGD.builder(ps).lr(0.05).momentum(0.9).nesterov(true).weightDecay(1e-3).build());
    }

    @Test
    void adamWithAmsgradResumesFromAFile() throws IOException {
        resumesIdentically(ps -> Adam.builder(ps).lr(0.01).weightDecay(0.1).amsgrad(true).build());
    }

    @Test
    void adamWResumesFromAFile() throws IOException {
        resumesIdentically(ps -> new AdamW(ps, 0.003, 0.8, 0.95, 1e-6, 0.2));
    }
}
