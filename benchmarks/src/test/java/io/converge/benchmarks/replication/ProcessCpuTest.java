package io.converge.benchmarks.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** CPU-seconds per update. */
final class ProcessCpuTest {

  @Test
  void secondsPerUpdate_cpuOverUpdates() {
    assertEquals(0.002, ProcessCpu.secondsPerUpdate(2_000_000_000L, 1_000), 1e-15);
    assertEquals(80.0 / 150_000, ProcessCpu.secondsPerUpdate(80_000_000_000L, 150_000), 1e-15);
  }

  @Test
  void secondsPerUpdate_noUpdate_zero() {
    assertEquals(0, ProcessCpu.secondsPerUpdate(5, 0));
  }

  @Test
  void secondsPerUpdate_negative_refusedNamingTheValue() {
    IllegalArgumentException cpu =
        assertThrows(IllegalArgumentException.class, () -> ProcessCpu.secondsPerUpdate(-1, 1));
    assertTrue(cpu.getMessage().contains("cpuNanos=-1"), cpu::getMessage);
    IllegalArgumentException updates =
        assertThrows(IllegalArgumentException.class, () -> ProcessCpu.secondsPerUpdate(1, -2));
    assertTrue(updates.getMessage().contains("updates=-2"), updates::getMessage);
  }

  @Test
  void nanos_thisJvm_reportsTheProcessCpuTime() {
    long first = ProcessCpu.nanos();
    assertTrue(first > 0, "a JVM that has started has used CPU: " + first);
    assertTrue(ProcessCpu.nanos() >= first);
  }
}
