package dev.baton.coordinator.request;

import com.google.protobuf.Message;
import dev.baton.coordinator.store.Batch;

/**
 * Handed to an action that answers an idempotent request: the action calls it with the batch that makes its change
 * and the answer it will give, so that the change and the record of its answer are committed together.
 */
@FunctionalInterface
public interface AnswerRecorder {
  /** For requests without a request id: records nothing. */
  AnswerRecorder NONE = (batch, answer) -> {};

  void record(Batch batch, Message answer);
}
