package io.sparkgrad.trainer.sweep;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sweep's {@code space:} block: each configuration key's {@link Domain}, in file order.
 *
 * @param domains key to domain, in the order written
 */
public record SearchSpace(Map<String, Domain> domains) {
    public SearchSpace {
        domains = Collections.unmodifiableMap(new LinkedHashMap<>(domains));
    }

    /** The keys that vary between trials (not fixed), in order. */
    public List<String> sweptKeys() {
        return domains.entrySet().stream().filter(e -> !(e.getValue() instanceof Domain.Fixed)).map(Map.Entry::getKey).toList();
    }
}
