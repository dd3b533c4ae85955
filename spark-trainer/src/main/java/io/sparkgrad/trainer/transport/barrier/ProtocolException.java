package io.sparkgrad.trainer.transport.barrier;

import java.io.IOException;

/** The peer broke the aggregation channel's protocol (bad magic, bad length, wrong type, failed authentication). */
class ProtocolException extends IOException {

    private static final long serialVersionUID = 1L;

    ProtocolException(String message) {
        super(message);
    }
}
