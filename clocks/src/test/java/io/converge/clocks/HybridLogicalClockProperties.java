package io.converge.clocks;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The invariants of Kulkarni et al. (2014), checked over random interleavings of local, send and
 * receive events on N simulated nodes whose physical clocks stay within ε of each other.
 *
 * <p>Checked for every event {@code f} (with {@code l}, {@code c} its timestamp and {@code pt} its
 * node's physical clock): {@code l >= pt}; {@code l - pt <= ε}; {@code e} happened-before {@code f}
 * implies {@code hlc(e) < hlc(f)}; one node's timestamps strictly increase; and the paper's bound
 * on the logical counter, {@code c <= |{g : g hb f and l.g = l.f}|} (a chain of {@code c} earlier
 * events at the same {@code l} must exist).
 *
 * <p>The same check is run against deliberately wrong clocks; it must fail them.
 */
final class HybridLogicalClockProperties {

  /** One node's clock under test: local/send and receive events, timestamps in packed form. */
  interface SimClock {
    long now();

    long receive(long remote);
  }

  /** Builds the clock of one simulated node over its physical clock. */
  interface ClockFactory {
    SimClock create(LongSupplier physical, long epsilonMillis);
  }

  static final ClockFactory REAL =
      (physical, epsilon) -> {
        HybridLogicalClock clock =
            HybridLogicalClock.builder()
                .physicalClock(physical::getAsLong)
                .maxOffset(Duration.ofMillis(epsilon))
                .build();
        return new SimClock() {
          @Override
          public long now() {
            return clock.now().packed();
          }

          @Override
          public long receive(long remote) {
            return clock.update(HlcTimestamp.fromPacked(remote)).packed();
          }
        };
      };

  /** A wall clock with a counter that ignores what it receives: breaks happened-before. */
  static final ClockFactory IGNORES_RECEIVED =
      (physical, epsilon) ->
          new SimClock() {
            long last;

            @Override
            public long now() {
              long pt = physical.getAsLong() << HlcTimestamp.LOGICAL_BITS;
              last = Math.max(pt, last + 1);
              return last;
            }

            @Override
            public long receive(long remote) {
              return now();
            }
          };

  /** Moves the physical part forward instead of counting logically: drifts beyond ε. */
  static final ClockFactory TICKS_PHYSICAL =
      (physical, epsilon) ->
          new SimClock() {
            long last;

            @Override
            public long now() {
              long pt = physical.getAsLong() << HlcTimestamp.LOGICAL_BITS;
              last = pt > last ? pt : last + (1L << HlcTimestamp.LOGICAL_BITS);
              return last;
            }

            @Override
            public long receive(long remote) {
              long pt = physical.getAsLong() << HlcTimestamp.LOGICAL_BITS;
              long l = Math.max(last, remote);
              last = pt > l ? pt : l + (1L << HlcTimestamp.LOGICAL_BITS);
              return last;
            }
          };

  record Event(int node, long hlc, long pt, int[] vc) {}

  private record Message(long hlc, int[] vc, int sender) {}

  /** Generated scenario: node count, ε in ms, and a script of opcodes (shrinkable). */
  record Scenario(int nodes, long epsilon, List<Integer> ops) {
    @Override
    public String toString() {
      return "nodes=" + nodes + ", epsilon=" + epsilon + "ms, ops=" + ops;
    }
  }

  static Gen<Scenario> scenarios() {
    return integers()
        .between(2, 5)
        .zip(
            integers().between(0, 40),
            lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(1, 120),
            (n, eps, ops) -> new Scenario(n, eps, ops));
  }

  /** Runs the scenario with clocks from {@code factory} and returns the events in order. */
  static List<Event> simulate(Scenario s, ClockFactory factory) {
    int n = s.nodes;
    long eps = s.epsilon;
    long start = 1_700_000_000_000L;
    long[] trueTime = {start};
    long[] offset = new long[n];
    long[] pt = new long[n];
    Arrays.fill(pt, start);
    SimClock[] clocks = new SimClock[n];
    int[][] vcs = new int[n][n];
    for (int i = 0; i < n; i++) {
      int node = i;
      clocks[i] = factory.create(() -> pt[node], Math.max(1, eps));
    }
    List<Message> inFlight = new ArrayList<>();
    List<Event> events = new ArrayList<>();
    for (int op : s.ops) {
      int kind = op % 3;
      int node = (op / 3) % n;
      int advance = (op / 3 / n) % 4;
      int drift = (op / 3 / n / 4) % (int) (eps + 1);
      int pick = op / 3 / n / 4 / (int) (eps + 1);
      // True time advances 0..3 ms; each node's clock lies in [T, T + ε] and never goes back, so
      // any two clocks are within ε of each other.
      trueTime[0] += advance;
      offset[node] = drift;
      for (int i = 0; i < n; i++) {
        pt[i] = Math.max(pt[i], trueTime[0] + offset[i]);
      }
      vcs[node][node]++;
      long hlc;
      if (kind == 2 && !inFlight.isEmpty()) {
        Message m = inFlight.remove(pick % inFlight.size());
        for (int i = 0; i < n; i++) {
          vcs[node][i] = Math.max(vcs[node][i], m.vc[i]);
        }
        hlc = clocks[node].receive(m.hlc);
      } else {
        hlc = clocks[node].now();
        if (kind == 1) {
          inFlight.add(new Message(hlc, vcs[node].clone(), node));
        }
      }
      events.add(new Event(node, hlc, pt[node], vcs[node].clone()));
    }
    return events;
  }

  private static boolean happenedBefore(Event e, Event f) {
    boolean strictly = false;
    for (int i = 0; i < e.vc.length; i++) {
      if (e.vc[i] > f.vc[i]) {
        return false;
      }
      strictly |= e.vc[i] < f.vc[i];
    }
    return strictly;
  }

  /** Asserts the paper's invariants over one run. */
  static void checkInvariants(Scenario s, List<Event> events) {
    long[] lastOfNode = new long[s.nodes];
    Arrays.fill(lastOfNode, -1);
    for (int fi = 0; fi < events.size(); fi++) {
      Event f = events.get(fi);
      HlcTimestamp ts = HlcTimestamp.fromPacked(f.hlc);
      long l = ts.physical();
      String where = "event " + fi + " at node " + f.node + " " + ts + " pt=" + f.pt;
      assertTrue(l >= f.pt, () -> "l >= pt violated: " + where);
      assertTrue(l - f.pt <= s.epsilon, () -> "l - pt <= epsilon violated: " + where);
      assertTrue(f.hlc > lastOfNode[f.node], () -> "node timestamps must increase: " + where);
      lastOfNode[f.node] = f.hlc;
      int sameL = 0;
      for (int ei = 0; ei < fi; ei++) {
        Event e = events.get(ei);
        if (happenedBefore(e, f)) {
          int ej = ei;
          assertTrue(
              e.hlc < f.hlc, () -> "hb implies hlc order violated: event " + ej + " -> " + where);
          if (HlcTimestamp.fromPacked(e.hlc).physical() == l) {
            sameL++;
          }
        }
      }
      int bound = sameL;
      assertTrue(
          ts.logical() <= bound,
          () -> "logical counter bound violated: c=" + ts.logical() + " > " + bound + ": " + where);
    }
  }

  @Test
  void invariants_holdOverRandomInterleavings() {
    qt().forAll(scenarios()).checkAssert(s -> checkInvariants(s, simulate(s, REAL)));
  }

  @Test
  void invariants_clockIgnoringReceivedTimestamps_isCaught() {
    AssertionError failure =
        assertThrows(
            AssertionError.class,
            () ->
                qt().forAll(scenarios())
                    .checkAssert(s -> checkInvariants(s, simulate(s, IGNORES_RECEIVED))));
    assertTrue(failure.getMessage().contains("hb implies hlc order"), failure::getMessage);
  }

  @Test
  void invariants_clockTickingPhysicalPart_isCaught() {
    AssertionError failure =
        assertThrows(
            AssertionError.class,
            () ->
                qt().forAll(scenarios())
                    .checkAssert(s -> checkInvariants(s, simulate(s, TICKS_PHYSICAL))));
    assertTrue(failure.getMessage().contains("l - pt <= epsilon"), failure::getMessage);
  }

  @Test
  void update_beyondMaxOffset_neverChangesTheClock() {
    qt().forAll(integers().between(1, 1000), integers().between(1, 100_000))
        .checkAssert(
            (maxOffset, lead) -> {
              AtomicLong wall = new AtomicLong(1_700_000_000_000L);
              HybridLogicalClock clock =
                  HybridLogicalClock.builder()
                      .physicalClock(wall::get)
                      .maxOffset(Duration.ofMillis(maxOffset))
                      .build();
              HlcTimestamp before = clock.now();
              HlcTimestamp remote = HlcTimestamp.of(wall.get() + lead, 0);
              if (lead > maxOffset) {
                assertThrows(ClockOffsetException.class, () -> clock.update(remote));
                assertTrue(clock.current().equals(before));
              } else {
                assertTrue(clock.update(remote).isAfter(remote));
              }
            });
  }
}
