package io.converge.replication;

/**
 * A registration made by {@link Replica#subscribe}; closing it stops the notifications. Thread-safe
 * and idempotent.
 */
public interface Subscription extends AutoCloseable {

  /** Stops the notifications; a notification already running completes. */
  @Override
  void close();
}
