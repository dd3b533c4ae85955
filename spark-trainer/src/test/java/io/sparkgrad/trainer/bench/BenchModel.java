package io.sparkgrad.trainer.bench;

import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.engine.MnistModels;
import io.sparkgrad.trainer.engine.ModuleReplica;
import io.sparkgrad.trainer.reference.ArrayMlp;

/**
 * A model the trainer benchmark can run: a replica factory plus the shape of its samples. The benchmark's
 * {@code --small-model} / {@code --large-model} options take the name of a class implementing this with a public
 * no-argument constructor. The default small model is the engine's tutorial CNN ({@link TutorialCnn}).
 */
public interface BenchModel {

    /** Short name printed in the benchmark's header lines. */
    String name();

    /** Builds the replicas. */
    ReplicaFactory factory();

    /** Floats per sample: an MNIST image's 784, as every model here takes. */
    default int features() {
        return 784;
    }

    /** Number of classes: MNIST's 10, as every model here has. */
    default int classes() {
        return 10;
    }

    /** The shape of one sample; the default is a flat vector of {@link #features()} floats. */
    default int[] sampleShape() {
        return new int[] {features()};
    }

    /** A model of the core-tensor engine's MNIST zoo: 1x28x28 samples, 10 classes, weights from seed 1. */
    abstract class EngineModel implements BenchModel {
        private final MnistModels spec;

        EngineModel(MnistModels spec) {
            this.spec = spec;
        }

        @Override
        public String name() {
            return spec.id();
        }

        @Override
        public ReplicaFactory factory() {
            return ModuleReplica.factory(spec, 1);
        }

        @Override
        public int[] sampleShape() {
            return new int[] {1, 28, 28};
        }
    }

    /** The tutorial CNN ({@link MnistModels#TUTORIAL_CNN}): 3,930 parameters. */
    final class TutorialCnn extends EngineModel {
        public TutorialCnn() {
            super(MnistModels.TUTORIAL_CNN);
        }
    }

    /** The main job's CNN ({@link MnistModels#MNIST_CNN}): 207,178 parameters. */
    final class MnistCnn extends EngineModel {
        public MnistCnn() {
            super(MnistModels.MNIST_CNN);
        }
    }

    /** An MLP 784-hidden-10 on arrays ({@link ArrayMlp}), weights from seed 1. */
    abstract class ArrayMlpModel implements BenchModel {
        private final int hidden;

        ArrayMlpModel(int hidden) {
            this.hidden = hidden;
        }

        @Override
        public String name() {
            return "array-mlp-784-" + hidden + "-10";
        }

        @Override
        public ReplicaFactory factory() {
            return ArrayMlp.factory(1, 784, hidden, 10);
        }
    }

    /** MLP 784-5-10 on arrays: 3,985 parameters, about the tutorial CNN's 3,930. */
    final class SmallMlp extends ArrayMlpModel {
        public SmallMlp() {
            super(5);
        }
    }

    /** MLP 784-1262-10 on arrays: 1,003,300 parameters. */
    final class LargeMlp extends ArrayMlpModel {
        public LargeMlp() {
            super(1262);
        }
    }

    /** MLP 784-126-10 on arrays: 100,180 parameters, for a middle point of the cost model. */
    final class MediumMlp extends ArrayMlpModel {
        public MediumMlp() {
            super(126);
        }
    }
}
