package io.sparkgrad.nn;

import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.Objects;

/**
 * In training, zeroes each element with probability {@code p} and scales the rest by {@code 1/(1-p)}; in evaluation,
 * the identity; as {@code torch.nn.Dropout}. Masks are drawn from the module's {@link Generator}.
 */
public final class Dropout extends Module {
    private final float p;
    private final Generator generator;

    /** {@code p = 0.5}. */
    public Dropout() {
        this(0.5f);
    }

    public Dropout(float p) {
        this(p, Generator.global());
    }

    /** Dropout whose masks come from {@code generator} (a seeded one makes runs repeatable). */
    public Dropout(float p, Generator generator) {
        if (!(p >= 0f && p <= 1f)) {
            throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
        }
        this.p = p;
        this.generator = Objects.requireNonNull(generator, "generator");
    }

    public float p() {
        return p;
    }

    @Override
    public Tensor forward(Tensor input) {
        return F.dropout(input, p, isTraining(), generator);
    }

    @Override
    protected String extraRepr() {
        return "p=" + p + ", inplace=False";
    }
}
