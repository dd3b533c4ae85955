package io.sparkgrad.nn.spec;

/**
 * One argument of a spec layer, named as PyTorch names it ({@code out_channels}, {@code kernel_size}, {@code stride}).
 *
 * @param name        PyTorch's argument name
 * @param type        the values it takes
 * @param defaultValue its default, or null when it is required or defaults to another argument
 * @param defaultFrom the argument whose value it defaults to ({@code stride} of a pool defaults to {@code kernel_size}), or null
 */
record Param(String name, ArgType type, Object defaultValue, String defaultFrom) {

    static Param required(String name, ArgType type) {
        return new Param(name, type, null, null);
    }

    static Param optional(String name, ArgType type, Object defaultValue) {
        return new Param(name, type, type.coerce(defaultValue), null);
    }

    static Param defaultsTo(String name, ArgType type, String other) {
        return new Param(name, type, null, other);
    }

    boolean isRequired() {
        return defaultValue == null && defaultFrom == null;
    }

    /** As in a signature: {@code out_channels}, {@code stride=1}, {@code stride=kernel_size}. */
    @Override
    public String toString() {
        if (isRequired()) {
            return name;
        }
        return name + "=" + (defaultFrom != null ? defaultFrom : ArgType.format(defaultValue));
    }
}
