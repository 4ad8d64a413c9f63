package io.converge.benchmarks.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The open-loop schedule and the count-to-updates bookkeeping, on made-up times (no clock). */
final class OpenLoopTest {

  private static final Duration NONE = Duration.ZERO;

  @Test
  void schedule_warmupAndWindow_countUpdatesAtTheRate() {
    OpenLoop run = new OpenLoop(1_000, 10, Duration.ofSeconds(1), Duration.ofSeconds(2));
    run.start(5_000);

    assertEquals(1_000, run.measureFrom);
    assertEquals(3_000, run.total);
    assertEquals(2_000, run.scheduledInWindow());
    assertEquals(5_000 + 1_000_000, run.due(1));
    assertTrue(run.inWindow(run.due(1_000)));
    assertTrue(!run.inWindow(run.due(999)) && !run.inWindow(run.due(3_000)));
  }

  @Test
  void updateOf_invertsTheSchedule_everyUpdateOnce() {
    OpenLoop run = new OpenLoop(3_000, 7, NONE, Duration.ofSeconds(1));
    int[][] round = new int[7][OpenLoop.NODES];
    for (long i = 0; i < run.total; i++) {
      int k = run.keyOf(i);
      int w = OpenLoop.writerOf(i);
      long n = ++round[k][w];
      assertEquals(i, run.updateOf(k, w, n), "update " + i);
    }
  }

  @Test
  void observed_bothReadersSeeTheCount_lagFromTheLaterOne() {
    // One key, three updates (one per writer), each the writer's first on the key.
    OpenLoop run = new OpenLoop(3, 1, NONE, Duration.ofSeconds(1));
    run.start(1_000);
    run.issued(0, 2_000);
    run.observed(1, 0, 0, 1, 5_000);
    assertEquals(0, run.completed.sum());
    run.observed(2, 0, 0, 1, 7_000);

    assertEquals(1, run.completed.sum());
    assertEquals(5_000, run.fromReturn.getMaxValue(), 5);
    assertEquals(6_000, run.fromSchedule.getMaxValue(), 6);
  }

  @Test
  void observed_beforeTheReturn_completesAtTheReturn() {
    OpenLoop run = new OpenLoop(3, 1, NONE, Duration.ofSeconds(1));
    run.start(0);
    run.observed(1, 0, 0, 1, 3_000);
    run.observed(2, 0, 0, 1, 4_000);
    assertEquals(0, run.completed.sum());
    run.issued(0, 9_000);

    assertEquals(1, run.completed.sum());
    assertEquals(0, run.fromReturn.getMaxValue(), "visible before the return: lag 0");
  }

  @Test
  void observed_countSkipsValues_everyUpdateUpToItVisible() {
    // 2 keys, 4 rounds: each writer makes 4 updates on each key.
    OpenLoop run = new OpenLoop(24, 2, NONE, Duration.ofSeconds(1));
    issueAll(run, 10);
    for (int k = 0; k < 2; k++) {
      for (int w = 0; w < OpenLoop.NODES; w++) {
        for (int reader = 0; reader < OpenLoop.NODES; reader++) {
          run.observed(reader, k, w, 1, 20); // a notification of count 1 ...
          run.observed(reader, k, w, 4, 30); // ... then one of count 4: 2 and 3 were skipped
        }
      }
    }

    assertEquals(run.total, run.completed.sum());
    assertEquals(run.total, run.fromReturn.getTotalCount());
    assertTrue(run.allComplete());
  }

  @Test
  void observed_repeatedOrOwnOrLowerCounts_countNothingTwice() {
    OpenLoop run = new OpenLoop(6, 1, NONE, Duration.ofSeconds(1));
    issueAll(run, 1);
    run.observed(1, 0, 0, 2, 5);
    run.observed(1, 0, 0, 2, 6); // the same count again
    run.observed(1, 0, 0, 1, 7); // a lower one
    run.observed(0, 0, 0, 2, 8); // the writer's own replica: not a reader of its own updates
    assertEquals(0, run.completed.sum());

    run.observed(2, 0, 0, 2, 9);
    assertEquals(2, run.completed.sum(), "writer 0's two updates, once each");
  }

  @Test
  void figures_window_ratesAndCpuPerUpdate() {
    OpenLoop run = new OpenLoop(6, 1, NONE, Duration.ofSeconds(1));
    run.start(0);
    for (long i = 0; i < run.total; i++) {
      run.issued(i, run.due(i));
      for (int reader = 0; reader < OpenLoop.NODES; reader++) {
        run.observed(reader, 0, OpenLoop.writerOf(i), i / OpenLoop.NODES + 1, run.due(i) + 1);
      }
    }
    OpenLoop.Figures f = run.figures(Duration.ofSeconds(1), 3_000_000_000L);

    assertEquals(6, f.updatesScheduled());
    assertEquals(6, f.updatesIssued());
    assertEquals(6, f.updatesConverged());
    assertEquals(0, f.updatesUnconverged());
    assertEquals(6.0, f.convergedInWindowPerSecond());
    assertEquals(3.0, f.cpuSeconds());
    assertEquals(0.5, f.cpuSecondsPerUpdate());
  }

  @Test
  void figures_updateCompletingAfterwards_notRecorded() {
    OpenLoop run = new OpenLoop(3, 1, NONE, Duration.ofSeconds(1));
    issueAll(run, 1);
    run.observed(1, 0, 0, 1, 2);
    run.observed(2, 0, 0, 1, 2);
    OpenLoop.Figures f = run.figures(Duration.ofSeconds(1), 0);
    run.observed(0, 0, 1, 1, 3); // writer 1's update, complete after the drain timeout
    run.observed(2, 0, 1, 1, 3);

    assertEquals(2, f.updatesUnconverged());
    assertEquals(1, run.fromReturn.getTotalCount());
    assertEquals(1, run.completedMeasured.sum());
  }

  @Test
  void constructor_badRateOrKeys_refusedNamingTheValue() {
    IllegalArgumentException rate =
        assertThrows(
            IllegalArgumentException.class, () -> new OpenLoop(0, 1, NONE, Duration.ofSeconds(1)));
    assertTrue(rate.getMessage().contains("rate=0"), rate::getMessage);
    IllegalArgumentException keys =
        assertThrows(
            IllegalArgumentException.class,
            () -> new OpenLoop(10, -1, NONE, Duration.ofSeconds(1)));
    assertTrue(keys.getMessage().contains("keys=-1"), keys::getMessage);
  }

  /** Starts the schedule at 0 and records every update's return at {@code at}. */
  private static void issueAll(OpenLoop run, long at) {
    run.start(0);
    for (long i = 0; i < run.total; i++) {
      run.issued(i, at);
    }
  }
}
