package io.sparkgrad.examples.tutorial;

import java.io.PrintStream;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One stage of "What is torch.nn really?", in Java: runs on the tutorial's data and prints what the tutorial prints. A
 * stage declares its place and title with {@link Info} on its class.
 */
public interface TutorialStage {

    /** A stage's number in the tutorial's order (1-13) and its short title, e.g. "Refactor using nn.Linear". */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface Info {
        int number();

        String title();
    }

    /** The stage's number in the tutorial's order (1-13). */
    default int number() {
        return info().number();
    }

    /** A short title, e.g. "Refactor using nn.Linear". */
    default String title() {
        return info().title();
    }

    /** Runs the stage and returns the figures the tests check. */
    StageResult run(TutorialData data, PrintStream out);

    private Info info() {
        Info info = getClass().getAnnotation(Info.class);
        if (info == null) {
            throw new IllegalStateException(getClass().getName() + " lacks @TutorialStage.Info(number = ..., title = ...)");
        }
        return info;
    }
}
