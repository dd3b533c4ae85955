package io.sparkgrad.conf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated configuration together with the sources it was loaded from, so that a job submitted to a
 * cluster can be handed the same sources and load the same configuration there.
 *
 * @param config    the validated configuration, derived values filled in
 * @param preset    the preset layer, or null when none was used (a saved effective configuration)
 * @param file      the configuration file, or null
 * @param overrides the {@code key.path=value} overrides, in order
 * @param origins   for every value's path, the layer that set it ({@code defaults}, {@code preset yarn},
 *                  {@code file job.yaml}, {@code --set ...}, {@code derived from ...})
 */
public record LoadedConfig(JobConfig config, Preset preset, Path file, List<String> overrides,
                           Map<String, String> origins) {

    /** Copies the collections. */
    public LoadedConfig {
        overrides = List.copyOf(overrides);
        origins = Collections.unmodifiableMap(new LinkedHashMap<>(origins));
    }

    /** The layer that set {@code path} (for a section: the first value under it), or null. */
    public String originOf(String path) {
        String exact = origins.get(path);
        if (exact != null) {
            return exact;
        }
        return origins.entrySet().stream().filter(e -> e.getKey().startsWith(path + "."))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    /**
     * The command-line options that reproduce these sources: {@code --preset p}, {@code --config f} (with
     * {@code configFileArgument} as the file's name, since a job in a cluster sees the file under another
     * path) and one {@code --set} per override.
     */
    public List<String> sourceArguments(String configFileArgument) {
        List<String> args = new ArrayList<>();
        if (preset != null) {
            args.add("--preset");
            args.add(preset.label());
        }
        if (file != null) {
            args.add("--config");
            args.add(configFileArgument);
        }
        for (String o : overrides) {
            args.add("--set");
            args.add(o);
        }
        return args;
    }
}
