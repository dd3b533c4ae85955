package io.sparkgrad.trainer.ml;

/**
 * Hands a uid to a Java subclass of a Spark ML class while the superclass constructor runs. Spark's Scala traits
 * create their Params ({@code featuresCol}, ...) in the superclass constructor and ask {@code uid()} for their parent,
 * before a Java constructor can assign its own field (Scala classes take the uid as a constructor parameter, which is
 * set before the superclass constructor runs). So the public constructor parks the uid here, in a thread-local, and
 * {@code uid()} answers from it until the field is set.
 */
final class PendingUid {
    private static final ThreadLocal<String> PENDING = new ThreadLocal<>();

    private PendingUid() {
    }

    /** Parks {@code uid} for the constructor about to run on this thread; returns it. */
    static String park(String uid) {
        if (uid == null || uid.isEmpty()) {
            throw new IllegalArgumentException("a uid must not be empty");
        }
        PENDING.set(uid);
        return uid;
    }

    /** The parked uid (during a superclass constructor). */
    static String current() {
        String uid = PENDING.get();
        if (uid == null) {
            throw new IllegalStateException("no uid parked on this thread");
        }
        return uid;
    }

    /** Clears the parked uid once the field is set. */
    static void clear() {
        PENDING.remove();
    }
}
