package io.converge.benchmarks.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Pekko side: its configurations, and a short run on a real three-node cluster. */
final class PekkoScenarioTest {

  private static final String DD = "pekko.cluster.distributed-data.";

  @Test
  void nodeConfig_tuned_overridesTheReplicatorsIntervals() {
    Config c = PekkoScenario.nodeConfig(PekkoScenario.Settings.TUNED, 4001, 5001);

    assertEquals(Duration.ofSeconds(1), c.getDuration(DD + "gossip-interval"));
    assertEquals(Duration.ofMillis(10), c.getDuration(DD + "notify-subscribers-interval"));
    assertTrue(c.getBoolean(DD + "delta-crdt.enabled"));
    assertEquals(4001, c.getInt("pekko.remote.artery.bind.port"));
    assertEquals(5001, c.getInt("pekko.remote.artery.canonical.port"));
    assertEquals("cluster", c.getString("pekko.actor.provider"));
  }

  @Test
  void nodeConfig_defaults_pekkosReferenceValues() {
    Config c = PekkoScenario.nodeConfig(PekkoScenario.Settings.DEFAULTS, 4001, 5001);

    assertEquals("", PekkoScenario.Settings.DEFAULTS.hocon());
    assertEquals(Duration.ofSeconds(2), c.getDuration(DD + "gossip-interval"));
    assertEquals(Duration.ofMillis(500), c.getDuration(DD + "notify-subscribers-interval"));
    assertTrue(c.getBoolean(DD + "delta-crdt.enabled"));
  }

  @Test
  void deltaPropagationInterval_aFifthOfGossip_atLeast200ms() {
    assertEquals(400, PekkoScenario.deltaPropagationIntervalMs(2_000));
    assertEquals(200, PekkoScenario.deltaPropagationIntervalMs(1_000));
    assertEquals(200, PekkoScenario.deltaPropagationIntervalMs(100));
  }

  @Test
  void settings_badInterval_refusedNamingTheValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new PekkoScenario.Settings("pekko-tuned", Duration.ZERO, null));
    assertTrue(e.getMessage().contains("gossipInterval=PT0S"), e::getMessage);
  }

  @Test
  void keyIndex_parsesTheKeyNumber() {
    assertEquals(0, PekkoScenario.keyIndex("k:0"));
    assertEquals(9_999, PekkoScenario.keyIndex("k:9999"));
  }

  /**
   * A second of load at 300 updates/s on a real cluster: every update is seen on both other nodes
   * (the drain waits for it), every one answered with success, bytes counted on the relays. Times
   * are not asserted; the waits are on conditions, bounded by the timeouts.
   */
  @Test
  @Timeout(60)
  void run_tunedAtALowRate_everyUpdateConverges() throws Exception {
    PekkoScenario.Result r =
        PekkoScenario.run(
            new PekkoScenario.RunConfig(
                300,
                60,
                Duration.ofMillis(300),
                Duration.ofSeconds(1),
                Duration.ofSeconds(20),
                PekkoScenario.Settings.TUNED));

    OpenLoop.Figures f = r.load();
    assertEquals("pekko-tuned", r.system());
    assertEquals(300, f.updatesScheduled());
    assertEquals(0, f.updatesUnconverged(), r::toString);
    assertEquals(0, r.updateFailures(), r::toString);
    assertEquals(300, f.lagFromReturn().count(), r::toString);
    assertTrue(f.cpuSecondsPerUpdate() > 0, r::toString);
    assertTrue(r.bytesPerUpdate() > 0, r::toString);
    assertEquals(1_000, r.gossipIntervalMs());
    assertEquals(200, r.deltaPropagationIntervalMs());
    assertEquals(10, r.notifySubscribersIntervalMs());
    assertEquals(256 * 1024, r.maximumFrameSizeBytes());
    assertEquals(0, r.oversizedDiscarded(), r::toString);
  }
}
