package io.sparkgrad.conf;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The exact {@code spark-submit} command line for a loaded configuration:
 *
 * <pre>
 * spark-submit --master M --deploy-mode D --name APP --class MAIN [--files F,...]
 *              --conf k=v ... (every {@link SparkSettings} entry, sorted)
 *              JOB_JAR --preset P [--config FILE] [--set k=v]... JOB_ARGS...
 * </pre>
 *
 * The job is handed the same configuration sources (preset, file, overrides) and loads the same
 * configuration on the driver. In cluster deploy mode the configuration file travels with {@code --files}
 * and is named by its file name (YARN and Kubernetes put it in the driver's working directory). Build one
 * with {@link #builder(LoadedConfig)}.
 *
 * @param argv the command, {@code argv.get(0)} being the spark-submit executable
 */
public record SubmitCommand(List<String> argv) {
    /** The job's main class unless told otherwise: the {@code sparkgrad} command line of the job jar. */
    public static final String DEFAULT_MAIN_CLASS = "io.sparkgrad.cli.SparkgradMain";

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    /** Copies the list. */
    public SubmitCommand {
        argv = List.copyOf(argv);
    }

    /** Everything after the executable. */
    public List<String> arguments() {
        return argv.subList(1, argv.size());
    }

    /** The command as one line a POSIX shell reads back into the same arguments. */
    public String toShellString() {
        StringBuilder sb = new StringBuilder();
        for (String a : argv) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(SAFE.matcher(a).matches() ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return sb.toString();
    }

    /** A builder for the command that submits {@code loaded}. */
    public static Builder builder(LoadedConfig loaded) {
        return new Builder(loaded);
    }

    /** Builds a {@link SubmitCommand}. */
    public static final class Builder {
        private final LoadedConfig loaded;
        private String sparkSubmit = "spark-submit";
        private String jobJar;
        private String mainClass = DEFAULT_MAIN_CLASS;
        private List<String> jobArguments = List.of();
        private List<String> jvmFlags = JvmFlags.list();
        private Path gpuDiscoveryScript;

        private Builder(LoadedConfig loaded) {
            this.loaded = loaded;
        }

        /** The spark-submit executable (default {@code spark-submit}). */
        public Builder sparkSubmit(String executable) {
            this.sparkSubmit = executable;
            return this;
        }

        /** The job jar: a local path or a URI spark-submit understands ({@code hdfs://}, {@code local://}). */
        public Builder jobJar(String jar) {
            this.jobJar = jar;
            return this;
        }

        /** The job's main class (default {@link #DEFAULT_MAIN_CLASS}). */
        public Builder mainClass(String mainClass) {
            this.mainClass = mainClass;
            return this;
        }

        /** The job's own arguments (a subcommand and its options), after the configuration sources. */
        public Builder jobArguments(List<String> args) {
            this.jobArguments = List.copyOf(args);
            return this;
        }

        /** The JVM flags for driver and executors (default {@link JvmFlags#list()}). */
        public Builder jvmFlags(List<String> flags) {
            this.jvmFlags = List.copyOf(flags);
            return this;
        }

        /**
         * The local GPU discovery script to ship to YARN executors; by default it is written out of the jar
         * ({@link GpuDiscoveryScript#extractToTempDir()}) when needed.
         */
        public Builder gpuDiscoveryScript(Path script) {
            this.gpuDiscoveryScript = script;
            return this;
        }

        /** The command; a {@link ConfigException} when the configuration cannot be submitted this way. */
        public SubmitCommand build() {
            if (jobJar == null || jobJar.isBlank()) {
                throw new IllegalStateException("the job jar is not set (SubmitCommand.Builder.jobJar)");
            }
            JobConfig config = loaded.config();
            SparkConfig spark = config.spark();
            ClusterManager cm = spark.clusterManager().orElse(ClusterManager.LOCAL);
            boolean cluster = spark.deployMode() == DeployMode.CLUSTER;
            TreeMap<String, String> conf = new TreeMap<>(SparkSettings.resolve(config, jvmFlags));

            // --files replaces spark.files, so the user's entries join ours on the one --files option.
            Set<String> files = new LinkedHashSet<>();
            String userFiles = conf.remove("spark.files");
            if (userFiles != null) {
                for (String f : userFiles.split(",")) {
                    if (!f.isBlank()) {
                        files.add(f.strip());
                    }
                }
            }
            String configArgument = null;
            if (loaded.file() != null) {
                Path file = loaded.file().toAbsolutePath().normalize();
                if (cluster && cm == ClusterManager.STANDALONE) {
                    throw new ConfigException(new ConfigProblem("spark.deployMode", loaded.originOf("spark.deployMode"),
                            "a standalone cluster cannot ship the configuration file " + file + " to a driver it "
                                    + "starts; use deployMode client, or give the values with --set instead of a file"));
                }
                if (cluster) {
                    files.add(file.toString());
                    configArgument = file.getFileName().toString();
                } else {
                    configArgument = file.toString();
                }
            }
            if (SparkSettings.shipsGpuDiscoveryScript(config, conf)) {
                Path script = gpuDiscoveryScript != null ? gpuDiscoveryScript : GpuDiscoveryScript.extractToTempDir();
                files.add(script.toAbsolutePath().toString());
            }
            if (cm == ClusterManager.KUBERNETES && cluster && !conf.containsKey("spark.kubernetes.file.upload.path")) {
                List<String> local = files.stream().filter(Builder::isLocal).toList();
                if (!local.isEmpty()) {
                    throw new ConfigException(new ConfigProblem("spark.conf.spark.kubernetes.file.upload.path", null,
                            "missing required value: Kubernetes cluster mode uploads local files (" + String.join(", ", local)
                                    + ") through a shared file system; set it to a folder there, e.g. "
                                    + "--set spark.conf.spark.kubernetes.file.upload.path=s3a://bucket/spark-uploads"));
                }
            }

            List<String> argv = new ArrayList<>();
            argv.add(sparkSubmit);
            argv.add("--master");
            argv.add(spark.master());
            argv.add("--deploy-mode");
            argv.add(spark.deployMode().label());
            argv.add("--name");
            argv.add(spark.appName());
            argv.add("--class");
            argv.add(mainClass);
            if (!files.isEmpty()) {
                argv.add("--files");
                argv.add(String.join(",", files));
            }
            for (Map.Entry<String, String> e : conf.entrySet()) {
                argv.add("--conf");
                argv.add(e.getKey() + "=" + e.getValue());
            }
            argv.add(jobJar);
            argv.addAll(loaded.sourceArguments(configArgument));
            argv.addAll(jobArguments);
            return new SubmitCommand(argv);
        }

        private static boolean isLocal(String file) {
            try {
                String scheme = URI.create(file).getScheme();
                return scheme == null || scheme.equals("file");
            } catch (IllegalArgumentException e) {
                return true;
            }
        }
    }
}
