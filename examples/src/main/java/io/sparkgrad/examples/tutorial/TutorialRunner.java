package io.sparkgrad.examples.tutorial;

import io.sparkgrad.tensor.Generator;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the tutorial "What is torch.nn really?" in Java, one stage or all of them in order, on the tutorial's MNIST
 * split (downloaded and cached on first use).
 *
 * <pre>{@code bin/tutorial            # every stage
 * bin/tutorial --stage 10  # the CNN}</pre>
 */
@Command(name = "tutorial", mixinStandardHelpOptions = true,
        description = "Runs the stages of PyTorch's \"What is torch.nn really?\" tutorial in Java.")
public final class TutorialRunner implements Callable<Integer> {

    /** Every stage, in the tutorial's order. */
    public static final List<TutorialStage> STAGES = List.of(
            new Stage01FromScratch(), new Stage02CrossEntropy(), new Stage03Module(), new Stage04Linear(), new Stage05Optim(),
            new Stage06TensorDataset(), new Stage07DataLoader(), new Stage08Validation(), new Stage09FitAndGetData(),
            new Stage10Cnn(), new Stage11Sequential(), new Stage12WrappedDataLoader(), new Stage13Device());

    @Option(names = "--stage", description = "run only this stage (1-${sys:tutorial.stages}); default: all")
    Integer stage;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the global random generator before each stage (default: ${DEFAULT-VALUE})")
    long seed;

    public static void main(String[] args) {
        System.setProperty("tutorial.stages", Integer.toString(STAGES.size()));
        System.exit(new CommandLine(new TutorialRunner()).execute(args));
    }

    /** Runs one stage with the global generator seeded, as the tutorial's fresh Python process would be. */
    public static StageResult run(TutorialStage stage, TutorialData data, long seed, PrintStream out) {
        Generator.manualSeed(seed);
        out.println("== stage " + stage.number() + ": " + stage.title());
        return stage.run(data, out);
    }

    @Override
    public Integer call() throws Exception {
        if (stage != null && (stage < 1 || stage > STAGES.size())) {
            System.err.println("--stage must be between 1 and " + STAGES.size() + ", got " + stage);
            return 2;
        }
        TutorialData data = TutorialData.load();
        for (TutorialStage s : STAGES) {
            if (stage == null || s.number() == stage) {
                run(s, data, seed, System.out);
            }
        }
        return 0;
    }
}
