/**
 * Hyperparameter sweeps on Spark: many trials at once, early stopping, resumable, with the results in view.
 *
 * <p>A sweep file ({@link io.sparkgrad.trainer.sweep.SweepConfig}) has a {@code sweep:} block (trials, objective,
 * search, seed, scheduler, parallelism, mode) and a {@code space:} block mapping configuration keys
 * ({@link io.sparkgrad.trainer.sweep.TrialConfig#DEFAULTS}: {@code model}, {@code optimizer.name|lr|momentum|weightDecay},
 * {@code training.globalBatchSize|seed}, {@code data.dir|split|trainLimit|validationLimit|scaling}) to
 * {@link io.sparkgrad.trainer.sweep.Domain}s. A {@link io.sparkgrad.trainer.sweep.Searcher} (grid or seeded random)
 * proposes trials; a {@link io.sparkgrad.trainer.sweep.TrialScheduler} (ASHA, median stopping, none) decides at each
 * milestone; {@link io.sparkgrad.trainer.sweep.Sweep} runs each trial's segments as Spark jobs of one task
 * ({@code TrialSegment}, trained by {@link io.sparkgrad.trainer.sweep.TrialTrainer} on data cached once per JVM by
 * {@link io.sparkgrad.trainer.sweep.TrialData}), keeps a journal for resume, and writes the trials table, the best
 * model and config, {@code curves.png} and {@code params.png} ({@code SweepReport}, {@code SweepCharts}).
 *
 * <p>Output folder layout (any Hadoop path): {@code journal.jsonl}, {@code checkpoints/trial-NNNN/epoch-EEE.safetensors},
 * {@code trials.parquet/}, {@code trials.csv}, {@code model.safetensors}, {@code config.yaml}, {@code curves.png},
 * {@code params.png}.
 */
package io.sparkgrad.trainer.sweep;
