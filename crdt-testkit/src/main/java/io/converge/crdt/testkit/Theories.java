package io.converge.crdt.testkit;

import org.quicktheories.QuickTheory;
import org.quicktheories.core.Configuration;

/**
 * Where the testkit's checks start a QuickTheories property: the system configuration ({@code
 * QT_EXAMPLES}, {@code QT_SEED}, {@code QT_SHRINKS}), with a smaller default shrink budget.
 *
 * <p>QuickTheories shrinks for 100 cycles per example by default: 100,000 replays of a failing run
 * at 1000 examples, ten million on a long run. The testkit's generators are built so that a few
 * thousand cycles reach a minimal counterexample, so unless {@code QT_SHRINKS} says otherwise a
 * failure shrinks for at most {@value #MAX_DEFAULT_SHRINKS} cycles and is reported in well under a
 * second.
 */
final class Theories {

  static final int MAX_DEFAULT_SHRINKS = 10_000;

  private static final int QT_DEFAULT_EXAMPLES = 1000;
  private static final int QT_SHRINKS_PER_EXAMPLE = 100;

  private Theories() {}

  static QuickTheory qt() {
    QuickTheory theory = QuickTheory.qt();
    if (System.getProperty(Configuration.SHRINKS) != null) {
      return theory;
    }
    long examples = Integer.getInteger(Configuration.EXAMPLES, QT_DEFAULT_EXAMPLES);
    int shrinks = (int) Math.min(examples * QT_SHRINKS_PER_EXAMPLE, MAX_DEFAULT_SHRINKS);
    return theory.withShrinkCycles(shrinks);
  }
}
