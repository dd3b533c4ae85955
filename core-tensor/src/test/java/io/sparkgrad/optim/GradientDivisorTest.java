package io.sparkgrad.optim;

import static io.sparkgrad.optim.SGDTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Optimizer#stepOnGradientsDividedBy}: the bits of dividing the gradients in place and stepping, for every
 * rule (those whose kernels divide as they read, and the default that divides a copy), the gradients left as they were.
 */
class GradientDivisorTest {

    /** Plain SGD written without a kernel, so that the base class's default (a divided copy) is what runs. */
    private static final class PlainDescent extends Optimizer {
        PlainDescent(List<? extends Tensor> params, double lr) {
            super(params, lr);
        }

        @Override
        public String name() {
            return "plain_descent";
        }

        @Override
        protected void update(float[] p, int po, float[] g, int go, int n, float[][] buffers, long step) {
            for (int i = 0; i < n; i++) {
                p[po + i] -= (float) lr() * g[go + i];
            }
        }

        @Override
        protected List<String> stateNames() {
            return List.of();
        }

        @Override
        protected Map<String, Double> otherHyperparameters() {
            return Map.of();
        }

        @Override
        protected void setOtherHyperparameters(Map<String, Double> values) {
        }
    }

    private static final List<Function<List<Tensor>, Optimizer>> OPTIMIZERS = List.of(
            ps -> SGD.builder(ps).lr(0.1).momentum(0.9).weightDecay(0.05).build(),
            ps -> SGD.nesterov(ps, 0.05, 0.8),
            ps -> new SGD(ps, 0.1, 0, 0, 0, false),
            ps -> Adam.builder(ps).lr(0.01).weightDecay(0.1).amsgrad(true).build(),
            ps -> new AdamW(ps, 0.01),
            ps -> new PlainDescent(ps, 0.1));

    /** A weight of 70,001 values (vector body and scalar tail, two threads' chunks) and a bias of 3. */
    private static List<Tensor> parameters() {
        return List.of(Tensor.randn(new Generator(1), 70_001).requiresGrad(true),
                Tensor.randn(new Generator(2), 3).requiresGrad(true));
    }

    @ParameterizedTest(name = "divisor={0}")
    @ValueSource(floats = {1f, 3f, 64f, 1000f})
    void equalsDividingInPlaceThenStepping(float divisor) {
        for (Function<List<Tensor>, Optimizer> make : OPTIMIZERS) {
            List<Tensor> divided = parameters();
            List<Tensor> fused = parameters();
            Optimizer a = make.apply(divided);
            Optimizer b = make.apply(fused);
            for (int step = 1; step <= 4; step++) {
                for (int k = 0; k < divided.size(); k++) {
                    // Gradient sums of every scale, as a global batch's can be.
                    Tensor sum = Tensor.randn(new Generator(10 * step + k), divided.get(k).shape())
                            .mul((float) Math.pow(10, step - 2));
                    divided.get(k).setGrad(sum.div(Tensor.scalar(divisor)));
                    fused.get(k).setGrad(sum.mul(1f));
                }
                a.step();
                b.stepOnGradientsDividedBy(divisor);
                for (int k = 0; k < divided.size(); k++) {
                    String what = a.name() + " parameter " + k + " after step " + step;
                    assertArrayEquals(divided.get(k).toFloatArray(), fused.get(k).toFloatArray(), 0f, what);
                    Tensor sum = Tensor.randn(new Generator(10 * step + k), divided.get(k).shape())
                            .mul((float) Math.pow(10, step - 2));
                    assertArrayEquals(sum.toFloatArray(), fused.get(k).grad().toFloatArray(), 0f, what + ": its gradient unchanged");
                }
            }
        }
    }

    @ParameterizedTest(name = "divisor={0}")
    @ValueSource(floats = {0f, -2f, Float.NaN, Float.POSITIVE_INFINITY})
    void refusesADivisorThatIsNotPositiveAndFinite(float divisor) {
        Optimizer o = new SGD(parameters(), 0.1, 0, 0, 0, false);
        assertMessage("gradient divisor must be a positive finite number, got " + divisor, () -> o.stepOnGradientsDividedBy(divisor));
    }
}
