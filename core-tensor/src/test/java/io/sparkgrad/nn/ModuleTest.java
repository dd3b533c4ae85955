package io.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.sparkgrad.tensor.Device;
import io.sparkgrad.tensor.Devices;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Registration, naming, modes, gradients and state dicts of modules, as torch.nn.Module behaves. */
class ModuleTest {

    /** The tutorial's CNN with a batch norm and a dropout, so that buffers and mode-dependent layers are present. */
    private static Sequential tutorialCnn() {
        Generator g = new Generator(1);
        return new Sequential(
                new Lambda(x -> x.view(-1, 1, 28, 28)),
                Conv2d.builder(1, 16, 3).stride(2).padding(1).generator(g).build(), new ReLU(),
                Conv2d.builder(16, 16, 3).stride(2).padding(1).generator(g).build(), new BatchNorm2d(16), new ReLU(),
                Conv2d.builder(16, 10, 3).stride(2).padding(1).generator(g).build(), new ReLU(), new Dropout(0.1f, g),
                new AdaptiveAvgPool2d(1), new Flatten());
    }

    /** A module with named children, as the golden CNN case names them. */
    private static final class Net extends Module {
        Net() {
            registerModule("conv1", new Conv2d(1, 4, 3, 1, 1));
            registerModule("bn", new BatchNorm2d(4));
            registerModule("head", new Linear(4, 2, false));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = getSubmodule("bn").forward(getSubmodule("conv1").forward(x)).relu();
            return getSubmodule("head").forward(F.adaptiveAvgPool2d(h, 1).flatten(1, -1));
        }
    }

    @Test
    void sequentialStateDictUsesPyTorchKeysInOrder() {
        List<String> keys = new ArrayList<>(tutorialCnn().stateDict().keySet());
        assertEquals(List.of("1.weight", "1.bias", "3.weight", "3.bias", "4.weight", "4.bias", "4.running_mean", "4.running_var",
                "4.num_batches_tracked", "6.weight", "6.bias"), keys);
        Sequential plain = new Sequential(new Conv2d(1, 16, 3, 2, 1), new ReLU(), new Conv2d(16, 16, 3, 2, 1));
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), new ArrayList<>(plain.stateDict().keySet()));
    }

    @Test
    void namedParametersFollowRegistrationOrderAndSkipAbsentOnes() {
        Net net = new Net();
        assertEquals(List.of("conv1.weight", "conv1.bias", "bn.weight", "bn.bias", "head.weight"),
                new ArrayList<>(net.namedParameters().keySet()));
        assertEquals(List.of("bn.running_mean", "bn.running_var", "bn.num_batches_tracked"), new ArrayList<>(net.namedBuffers().keySet()));
        assertEquals(5, net.parameters().size());
        assertSame(net.getParameter("conv1.weight"), net.parameters().get(0));
        assertNull(((Linear) net.getSubmodule("head")).bias());
        assertEquals(List.of("conv1", "bn", "head"), new ArrayList<>(net.namedChildren().keySet()));
        assertEquals(List.of("", "conv1", "bn", "head"), new ArrayList<>(net.namedModules().keySet()));
    }

    @Test
    void sharedParametersAppearOnce() {
        Linear shared = new Linear(3, 3);
        Sequential s = new Sequential(shared, new ReLU(), shared);
        assertEquals(List.of("0.weight", "0.bias"), new ArrayList<>(s.namedParameters().keySet()));
        // The state dict still has both names, as PyTorch's does.
        assertTrue(s.stateDict().containsKey("2.weight"));
    }

    @Test
    void registeringANameTwiceOrADottedNameIsRefused() {
        var twice = assertThrows(IllegalArgumentException.class, () -> new Module() {
            {
                registerParameter("w", new Parameter(Tensor.zeros(2)));
                registerBuffer("w", Tensor.zeros(2));
            }

            @Override
            public Tensor forward(Tensor input) {
                return input;
            }
        });
        assertTrue(twice.getMessage().contains("attribute 'w' already exists"), twice.getMessage());
        var dotted = assertThrows(IllegalArgumentException.class, () -> new Module() {
            {
                registerModule("a.b", new ReLU());
            }

            @Override
            public Tensor forward(Tensor input) {
                return input;
            }
        });
        assertTrue(dotted.getMessage().contains("can't contain \".\""), dotted.getMessage());
    }

    @Test
    void trainAndEvalPropagateToEveryDescendant() {
        Sequential model = new Sequential(new Linear(2, 2), new Sequential(new Dropout(0.5f), new BatchNorm2d(2)));
        model.eval();
        for (Module m : model.namedModules().values()) {
            assertFalse(m.isTraining(), m.getClass().getSimpleName());
        }
        model.train();
        for (Module m : model.namedModules().values()) {
            assertTrue(m.isTraining(), m.getClass().getSimpleName());
        }
        model.get(1).eval();
        assertTrue(model.isTraining());
        assertFalse(((Sequential) model.get(1)).get(0).isTraining());
    }

    @Test
    void zeroGradZeroesInPlaceAndKeepsTheGradTensors() {
        Linear lin = new Linear(3, 2, true, new Generator(2));
        lin.forward(Tensor.ones(4, 3)).sum().backward();
        Tensor gradBefore = lin.weight().grad();
        assertTrue(norm(gradBefore) > 0);
        lin.zeroGrad();
        assertSame(gradBefore, lin.weight().grad());
        assertEquals(0f, norm(lin.weight().grad()));
        assertEquals(0f, norm(lin.bias().grad()));
        lin.forward(Tensor.ones(1, 3)).sum().backward();
        assertArrayEquals(new float[] {1f, 1f}, lin.bias().grad().toFloatArray());
    }

    @Test
    void strictLoadListsMissingUnexpectedAndMismatchedKeysInOneError() {
        Sequential model = new Sequential(new Conv2d(1, 16, 3, 2, 1), new ReLU(), new Conv2d(16, 10, 3, 2, 1));
        Map<String, Tensor> state = new LinkedHashMap<>(model.stateDict());
        state.remove("0.bias");
        state.put("2.weight", Tensor.zeros(16, 16, 3, 3));
        state.put("4.weight", Tensor.zeros(3));
        var e = assertThrows(IllegalArgumentException.class, () -> model.loadStateDict(state, true));
        assertEquals("Error(s) in loading state_dict for Sequential:\n"
                + "\tMissing key(s) in state_dict: \"0.bias\".\n"
                + "\tUnexpected key(s) in state_dict: \"4.weight\".\n"
                + "\tsize mismatch for 2.weight: copying a param with shape [16, 16, 3, 3] from checkpoint, the shape in current model is "
                + "[10, 16, 3, 3].", e.getMessage());
    }

    @Test
    void failedLoadChangesNothing() {
        Linear lin = new Linear(2, 2);
        float[] before = lin.weight().toFloatArray();
        Map<String, Tensor> state = Map.of("weight", Tensor.ones(2, 2), "bias", Tensor.ones(3));
        assertThrows(IllegalArgumentException.class, () -> lin.loadStateDict(state, true));
        assertArrayEquals(before, lin.weight().toFloatArray());
    }

    @Test
    void nonStrictLoadReportsKeysButStillRefusesShapeMismatches() {
        Linear lin = new Linear(2, 3);
        Module.IncompatibleKeys result = lin.loadStateDict(Map.of("weight", Tensor.ones(3, 2), "extra", Tensor.zeros(1)), false);
        assertEquals(List.of("bias"), result.missingKeys());
        assertEquals(List.of("extra"), result.unexpectedKeys());
        assertArrayEquals(Tensor.ones(3, 2).toFloatArray(), lin.weight().toFloatArray());
        var e = assertThrows(IllegalArgumentException.class, () -> lin.loadStateDict(Map.of("weight", Tensor.ones(2, 3)), false));
        assertTrue(e.getMessage().contains("size mismatch for weight"), e.getMessage());
    }

    @Test
    void loadCopiesIntoTheExistingStorageAndRoundTrips() {
        Sequential a = tutorialCnn();
        Sequential b = tutorialCnn();
        Generator g = new Generator(9);
        try (var ignored = Tensor.noGrad()) {
            for (Parameter p : a.parameters()) {
                p.copy_(Tensor.randn(g, p.shape()));
            }
        }
        Tensor weightBefore = b.getParameter("1.weight");
        assertTrue(b.loadStateDict(a.stateDict(), true).missingKeys().isEmpty());
        assertSame(weightBefore, b.getParameter("1.weight"));
        for (Map.Entry<String, Tensor> e : a.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), b.stateDict().get(e.getKey()).toFloatArray(), e.getKey());
        }
        // An int scalar (as PyTorch's int64 num_batches_tracked reads) loads into the float buffer.
        Map<String, Tensor> state = new LinkedHashMap<>(a.stateDict());
        state.put("4.num_batches_tracked", Tensor.ofInts(new int[] {7}));
        b.loadStateDict(state, true);
        assertEquals(7L, ((BatchNorm2d) b.get(4)).numBatchesTracked());
    }

    @Test
    void stateDictValuesShareStorageWithoutAGraph() {
        Linear lin = new Linear(2, 2);
        Tensor w = lin.stateDict().get("weight");
        assertFalse(w.requiresGrad());
        assertSame(lin.weight().data(), w.data());
    }

    @Test
    void applyVisitsChildrenBeforeTheirParent() {
        Sequential inner = new Sequential(new ReLU());
        Sequential outer = new Sequential(new Linear(1, 1), inner);
        List<String> seen = new ArrayList<>();
        outer.apply(m -> seen.add(m.getClass().getSimpleName() + m.namedChildren().size()));
        assertEquals(List.of("Linear0", "ReLU0", "Sequential1", "Sequential2"), seen);
    }

    @Test
    void toCpuIsANoOpAndToAnUnusableCudaIsRefusedWithTheReason() {
        Linear lin = new Linear(2, 2);
        Parameter w = lin.weight();
        float[] before = w.toFloatArray();
        assertSame(lin, lin.to(Device.CPU));
        assertSame(w, lin.weight());
        assertArrayEquals(before, w.toFloatArray());
        assumeFalse(Devices.cudaAvailable(), "a GPU is here: moving to it is tested by GpuTensorsAgainstCpuTest");
        var e = assertThrows(IllegalStateException.class, () -> lin.to(Device.cuda(0)));
        assertTrue(e.getMessage().startsWith("cannot use device cuda:0: ") && e.getMessage().contains(Devices.cudaUnavailableReason()),
                e.getMessage());
        assertEquals(Device.CPU, w.device(), "nothing moved");
    }

    @Test
    void toStringPrintsLikePyTorch() {
        Sequential model = new Sequential(new Conv2d(1, 16, 3, 2, 1), new ReLU(), new Conv2d(16, 10, 3, 1, 0, 2, 2, false),
                new Sequential(new MaxPool2d(2), new AvgPool2d(4)), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(10, 10),
                new BatchNorm2d(10), new Dropout(0.5f), new Lambda(x -> x));
        assertEquals("Sequential(\n"
                + "  (0): Conv2d(1, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))\n"
                + "  (1): ReLU()\n"
                + "  (2): Conv2d(16, 10, kernel_size=(3, 3), stride=(1, 1), dilation=(2, 2), groups=2, bias=False)\n"
                + "  (3): Sequential(\n"
                + "    (0): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
                + "    (1): AvgPool2d(kernel_size=4, stride=4, padding=0)\n"
                + "  )\n"
                + "  (4): AdaptiveAvgPool2d(output_size=1)\n"
                + "  (5): Flatten(start_dim=1, end_dim=-1)\n"
                + "  (6): Linear(in_features=10, out_features=10, bias=True)\n"
                + "  (7): BatchNorm2d(10, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
                + "  (8): Dropout(p=0.5, inplace=False)\n"
                + "  (9): Lambda()\n"
                + ")", model.toString());
    }

    @Test
    void sequentialChainsItsChildrenInOrder() {
        Sequential model = tutorialCnn();
        Tensor x = Tensor.rand(new Generator(4), 3, 784);
        Tensor y = model.forward(x);
        assertArrayEquals(new int[] {3, 10}, y.shape());
        Tensor manual = x;
        for (Module m : model.children()) {
            manual = m.forward(manual);
        }
        // Same result, except the dropout masks differ between the two passes; compare in eval mode.
        model.eval();
        Tensor a = model.forward(x);
        Tensor b = x;
        for (Module m : model.children()) {
            b = m.forward(b);
        }
        assertArrayEquals(b.toFloatArray(), a.toFloatArray());
        assertEquals(model.get(-1), model.get(10));
        assertThrows(IndexOutOfBoundsException.class, () -> model.get(11));
    }

    private static float norm(Tensor t) {
        float s = 0;
        for (float v : t.toFloatArray()) {
            s += Math.abs(v);
        }
        return s;
    }
}
