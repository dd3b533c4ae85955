package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.DoubleSupplier;

/** Central finite differences of a scalar loss with respect to every element of a float array, in place. */
final class Finite {

    private Finite() {
    }

    /** Checks {@code analytic[i]} against {@code (L(p + h e_i) - L(p - h e_i)) / 2h} for every i. */
    static void check(String what, float[] param, float[] analytic, DoubleSupplier loss) {
        check(what, param, analytic, loss, 1e-2f, 2e-2, 2e-3);
    }

    static void check(String what, float[] param, float[] analytic, DoubleSupplier loss, float h, double rel,
            double abs) {
        for (int i = 0; i < param.length; i++) {
            float saved = param[i];
            param[i] = saved + h;
            double plus = loss.getAsDouble();
            param[i] = saved - h;
            double minus = loss.getAsDouble();
            param[i] = saved;
            double numeric = (plus - minus) / (2.0 * h);
            if (Math.abs(numeric - analytic[i]) > abs + rel * Math.abs(numeric)) {
                fail(what + ": element " + i + " analytic " + analytic[i] + " vs finite difference " + numeric);
            }
        }
    }
}
