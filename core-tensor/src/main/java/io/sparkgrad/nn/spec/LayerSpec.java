package io.sparkgrad.nn.spec;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * One layer of a {@link ModelSpec}: its kind and every argument's value in the kind's order, defaults filled in, so
 * that two spellings of the same layer ({@code conv2d(16, 5, 1)} and {@code conv2d(16, 5)}) are equal. Values are
 * Integer, Double or Boolean. {@link #toString()} is the canonical text: the required arguments by position, then the
 * others by name where they differ from their default ({@code conv2d(16, 5, stride=2, padding=2)}).
 *
 * @param kind the layer
 * @param args the argument values, in the order of {@link LayerKind#signature()}
 */
public record LayerSpec(LayerKind kind, List<Object> args) implements Serializable {
    private static final long serialVersionUID = 1L;


    public LayerSpec {
        Objects.requireNonNull(kind, "kind");
        args = List.copyOf(args);
        List<Param> params = kind.params();
        if (args.size() != params.size()) {
            throw new IllegalArgumentException(kind.specName() + " takes " + params.size() + " argument values (" + kind.signature()
                    + "), got " + args.size());
        }
        for (int i = 0; i < args.size(); i++) {
            Object v = args.get(i);
            if (!Objects.equals(params.get(i).type().coerce(v), v)) {
                throw new IllegalArgumentException(kind.specName() + ": " + params.get(i).name() + " must be "
                        + params.get(i).type().description() + ", got " + v);
            }
        }
    }

    /** The layer described by {@code text}, e.g. {@code conv2d(16, 5, stride=2)}. */
    public static LayerSpec parse(String text) {
        List<LayerSpec> layers = ModelSpec.parse(List.of(text)).layers();
        return layers.get(0);
    }

    /** The value of the int argument {@code name} ({@code kernel_size}). */
    public int intArg(String name) {
        return (Integer) arg(name);
    }

    /** The value of the float argument {@code name} ({@code p}). */
    public double doubleArg(String name) {
        return (Double) arg(name);
    }

    /** The value of the boolean argument {@code name} ({@code bias}). */
    public boolean boolArg(String name) {
        return (Boolean) arg(name);
    }

    private Object arg(String name) {
        List<Param> params = kind.params();
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).name().equals(name)) {
                return args.get(i);
            }
        }
        throw new IllegalArgumentException(kind.specName() + " has no argument '" + name + "': " + kind.signature());
    }

    /** The canonical text, which {@link #parse} reads back to an equal layer. */
    @Override
    public String toString() {
        List<Param> params = kind.params();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            Object v = args.get(i);
            if (p.isRequired()) {
                sb.append(sb.length() > 0 ? ", " : "").append(ArgType.format(v));
            } else if (!v.equals(p.defaultFrom() != null ? arg(p.defaultFrom()) : p.defaultValue())) {
                sb.append(sb.length() > 0 ? ", " : "").append(p.name()).append('=').append(ArgType.format(v));
            }
        }
        return sb.length() == 0 ? kind.specName() : kind.specName() + "(" + sb + ")";
    }
}
