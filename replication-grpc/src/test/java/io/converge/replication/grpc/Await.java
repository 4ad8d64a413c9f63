package io.converge.replication.grpc;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits on conditions with deadlines, never on fixed sleeps. */
final class Await {

  private Await() {}

  /** Polls {@code condition} until true or the deadline; fails with {@code what} on timeout. */
  static void until(Duration timeout, Supplier<String> what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + ": " + what.get());
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }
}
