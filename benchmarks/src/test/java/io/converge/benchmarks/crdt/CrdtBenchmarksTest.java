package io.converge.benchmarks.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Checks that each benchmark's setup builds what it claims, for both libraries, at small sizes. */
class CrdtBenchmarksTest {

  private static CounterBenchmark counters(String impl, int replicas) {
    CounterBenchmark b = new CounterBenchmark();
    b.impl = impl;
    b.replicas = replicas;
    b.setUp();
    return b;
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 16})
  void counterMergesDifferFromBothInputsAndAgree(int replicas) {
    CounterBenchmark c = counters(Fixtures.CONVERGE, replicas);
    CounterBenchmark p = counters(Fixtures.PEKKO, replicas);

    long cMerged = ((io.converge.crdt.GCounter) c.gCounterMerge()).value();
    assertNotEquals(c.convergeGA.value(), cMerged);
    assertNotEquals(c.convergeGB.value(), cMerged);
    long pMerged =
        ((org.apache.pekko.cluster.ddata.GCounter) p.gCounterMerge()).getValue().longValueExact();
    assertNotEquals(p.pekkoGA.getValue().longValueExact(), pMerged);
    assertNotEquals(p.pekkoGB.getValue().longValueExact(), pMerged);
    assertEquals(cMerged, pMerged);
    assertEquals(c.convergeGA.value(), p.pekkoGA.getValue().longValueExact());

    io.converge.crdt.PNCounter cpn = (io.converge.crdt.PNCounter) c.pnCounterMerge();
    assertNotEquals(c.convergePA, cpn);
    assertNotEquals(c.convergePB, cpn);
    org.apache.pekko.cluster.ddata.PNCounter ppn =
        (org.apache.pekko.cluster.ddata.PNCounter) p.pnCounterMerge();
    assertNotEquals(p.pekkoPA, ppn);
    assertNotEquals(p.pekkoPB, ppn);
    assertEquals(cpn.value(), ppn.getValue().longValueExact());

    assertEquals(
        c.convergeGA.value() + 1, ((io.converge.crdt.GCounter) c.gCounterIncrement()).value());
    assertEquals(
        p.pekkoGA.getValue().longValueExact() + 1,
        ((org.apache.pekko.cluster.ddata.GCounter) p.gCounterIncrement())
            .getValue()
            .longValueExact());
  }

  private static ORSetBenchmark.MergeState mergeState(String impl, int elements, String scenario) {
    ORSetBenchmark.MergeState s = new ORSetBenchmark.MergeState();
    s.impl = impl;
    s.elements = elements;
    s.scenario = scenario;
    s.setUp();
    return s;
  }

  @ParameterizedTest
  @CsvSource({
    "identical, 100, 100, 100",
    "identical, 1000, 1000, 1000",
    "concurrent1pct, 100, 100, 101",
    "concurrent1pct, 1000, 1000, 1010",
    "disjoint, 100, 50, 100",
    "disjoint, 1000, 500, 1000"
  })
  void orSetScenariosHaveTheirSizesAndBothLibrariesAgree(
      String scenario, int elements, int sideSize, int mergedSize) {
    ORSetBenchmark bench = new ORSetBenchmark();
    ORSetBenchmark.MergeState c = mergeState(Fixtures.CONVERGE, elements, scenario);
    ORSetBenchmark.MergeState p = mergeState(Fixtures.PEKKO, elements, scenario);

    assertEquals(sideSize, c.convergeA.size());
    assertEquals(sideSize, c.convergeB.size());
    assertEquals(sideSize, p.pekkoA.size());
    assertEquals(sideSize, p.pekkoB.size());
    assertNotSame(c.convergeA, c.convergeB);
    assertNotSame(p.pekkoA, p.pekkoB);
    // B is not linked to A by Pekko's same-node fast path.
    assertFalse(p.pekkoA.isAncestorOf(p.pekkoB));
    assertFalse(p.pekkoB.isAncestorOf(p.pekkoA));
    // B shares no element object with A.
    String someA = c.convergeA.elements().iterator().next();
    for (String e : c.convergeB.elements()) {
      assertNotSame(someA, e);
    }

    int common = 0;
    for (String e : c.convergeA.elements()) {
      if (c.convergeB.contains(e)) {
        common++;
      }
    }
    int expectedCommon =
        switch (scenario) {
          case "identical" -> elements;
          case "concurrent1pct" -> elements - c.ownElements();
          default -> 0;
        };
    assertEquals(expectedCommon, common);

    if (scenario.equals("identical")) {
      assertEquals(c.convergeA, c.convergeB);
      assertEquals(p.pekkoA, p.pekkoB);
    } else {
      assertNotEquals(c.convergeA, c.convergeB);
      assertNotEquals(p.pekkoA, p.pekkoB);
    }

    @SuppressWarnings("unchecked") // merge returns the set type it was given
    ORSet<String> cMerged = (ORSet<String>) bench.merge(c);
    @SuppressWarnings("unchecked") // merge returns the set type it was given
    org.apache.pekko.cluster.ddata.ORSet<String> pMerged =
        (org.apache.pekko.cluster.ddata.ORSet<String>) bench.merge(p);
    assertEquals(mergedSize, cMerged.size());
    assertEquals(mergedSize, pMerged.size());
    assertEquals(cMerged.elements(), pMerged.getElements());
  }

  @ParameterizedTest
  @ValueSource(strings = {Fixtures.CONVERGE, Fixtures.PEKKO})
  void setOperationsWork(String impl) {
    ORSetBenchmark bench = new ORSetBenchmark();
    ORSetBenchmark.SetState s = new ORSetBenchmark.SetState();
    s.impl = impl;
    s.elements = 1000;
    s.setUp();

    assertTrue(bench.contains(s));
    if (s.converge) {
      assertEquals(1000, s.convergeSet.size());
      assertTrue(s.convergeSet.delta().isEmpty());
      assertEquals(1, s.convergeDelta.size());
      @SuppressWarnings("unchecked") // add returns the set type it was given
      ORSet<String> added = (ORSet<String>) bench.add(s);
      assertEquals(1001, added.size());
      @SuppressWarnings("unchecked") // merge returns the set type it was given
      ORSet<String> merged = (ORSet<String>) bench.applyDelta(s);
      assertEquals(1001, merged.size());
      assertTrue(merged.contains(ORSetBenchmark.SetState.DELTA_ELEMENT));
    } else {
      assertEquals(1000, s.pekkoSet.size());
      assertTrue(s.pekkoSet.delta().isEmpty());
      @SuppressWarnings("unchecked") // add returns the set type it was given
      org.apache.pekko.cluster.ddata.ORSet<String> added =
          (org.apache.pekko.cluster.ddata.ORSet<String>) bench.add(s);
      assertEquals(1001, added.size());
      @SuppressWarnings("unchecked") // mergeDelta returns the set type it was given
      org.apache.pekko.cluster.ddata.ORSet<String> merged =
          (org.apache.pekko.cluster.ddata.ORSet<String>) bench.applyDelta(s);
      assertEquals(1001, merged.size());
      assertTrue(merged.contains(ORSetBenchmark.SetState.DELTA_ELEMENT));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {Fixtures.CONVERGE, Fixtures.PEKKO})
  void registerMergeTakesTheLaterWrite(String impl) {
    LWWRegisterBenchmark b = new LWWRegisterBenchmark();
    b.impl = impl;
    b.setUp();
    Object merged = b.merge();
    if (b.converge) {
      @SuppressWarnings("unchecked") // merge returns the register type it was given
      io.converge.crdt.LWWRegister<String> r = (io.converge.crdt.LWWRegister<String>) merged;
      assertEquals("value-b", r.value().orElseThrow());
    } else {
      @SuppressWarnings("unchecked") // merge returns the register type it was given
      org.apache.pekko.cluster.ddata.LWWRegister<String> r =
          (org.apache.pekko.cluster.ddata.LWWRegister<String>) merged;
      assertEquals("value-b", r.getValue());
    }
  }
}
