package io.sparkgrad.kernel;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Puts {@link Parallelism}'s global thread count back after each test of a class that changes it. */
final class RestoreThreadCount implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RestoreThreadCount.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NAMESPACE).put("threads", Parallelism.numThreads());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Parallelism.setNumThreads(context.getStore(NAMESPACE).get("threads", Integer.class));
    }
}
