package io.converge.examples.gameday;

import java.util.concurrent.locks.LockSupport;

/** Waiting in the game-day program: the users' think time and polling between samples. */
final class Pause {

  private Pause() {}

  /** Parks the thread for about {@code millis}; returns early (flag kept) if interrupted. */
  static void millis(long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000;
    long left;
    while ((left = deadline - System.nanoTime()) > 0 && !Thread.currentThread().isInterrupted()) {
      LockSupport.parkNanos(left);
    }
  }
}
