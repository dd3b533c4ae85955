package io.sparkgrad.examples.tutorial;

import java.io.PrintStream;

/** One stage of "What is torch.nn really?", in Java: runs on the tutorial's data and prints what the tutorial prints. */
public interface TutorialStage {

    /** The stage's number in the tutorial's order (1-13). */
    int number();

    /** A short title, e.g. "Refactor using nn.Linear". */
    String title();

    /** Runs the stage and returns the figures the tests check. */
    StageResult run(TutorialData data, PrintStream out);
}
