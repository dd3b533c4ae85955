package io.sparkgrad.trainer.metrics;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * What a run is, for sinks and logs.
 *
 * @param runId         unique id of the run
 * @param transport     transport name
 * @param workers       number of workers
 * @param globalBatch   samples per step
 * @param stepsPerEpoch steps per epoch
 * @param epochs        epochs of the run
 * @param numParameters parameters of the model
 * @param endpoint      where workers connect, for transports with a server
 */
public record RunInfo(String runId, String transport, int workers, int globalBatch, int stepsPerEpoch, int epochs,
                      int numParameters, Optional<InetSocketAddress> endpoint) {
}
