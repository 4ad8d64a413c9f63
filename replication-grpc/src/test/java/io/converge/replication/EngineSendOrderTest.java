package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.replication.store.DurableStore;
import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.store.Recovered;
import io.converge.replication.store.StoredRecord;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine hands its envelopes to the transport in the order it decided them under its lock, even
 * when the threads that decided them reach the transport in another order. Two writers whose fsyncs
 * end together (group commit) used to race to the transport: the later batch could go first, the
 * receiver ignored it as beyond a gap, and the link stalled until a resend tick (up to {@code
 * MAX_STALL_TICKS} intervals), which QUORUM writes saw as timeouts.
 */
final class EngineSendOrderTest {

  private static final ReplicaId SELF = ReplicaId.of("a");
  private static final ReplicaId PEER = ReplicaId.of("b");
  private static final Key<GCounter> COUNTER = Key.gCounter("counter");

  /** Only a guard against a hang: the test never waits for time to pass. */
  private static final long GUARD_SECONDS = 30;

  private final RecordingTransport transport = new RecordingTransport();
  private final GatedStore store = new GatedStore();
  private ExecutorService writer;
  private ReplicationEngine engine;

  @BeforeEach
  void setUp() {
    writer = Executors.newSingleThreadExecutor();
    engine =
        new ReplicationEngine(
            SELF,
            transport,
            HybridLogicalClock.builder().build(),
            (delay, task) -> {}, // no timers: no resend can hide a lost delta
            Duration.ofSeconds(1),
            Duration.ofMillis(200),
            10_000,
            1L,
            Map.of(COUNTER.name(), COUNTER),
            Map.of(),
            new SimpleMeterRegistry(),
            store,
            ClockSkewPolicy.FENCE,
            null);
    // Each write in a batch of its own (by default a write made while a batch that is not full is
    // in flight waits for its Ack): the order of batches is what this test is about, and batches
    // that are full go whatever is in flight.
    engine.maxPartialBatchesInFlight(Integer.MAX_VALUE);
    engine.start();
    engine.onPeerUp(PEER);
  }

  @AfterEach
  void tearDown() {
    writer.shutdownNow();
    engine.close();
  }

  @Test
  void aLaterWriteWhoseFsyncEndsFirstDoesNotOvertakeAnEarlierOne() throws Exception {
    // Writer 1 takes sequence 1 and waits for its fsync, which the store holds back until the
    // delta of sequence 2 is handed to the transport (as if writer 1's thread were descheduled
    // when the group fsync woke both writers).
    Future<?> first = writer.submit(() -> increment());
    assertTrue(store.firstWaiting.await(GUARD_SECONDS, TimeUnit.SECONDS), "writer 1 waits");

    // Writer 2 takes sequence 2; its fsync (which covers sequence 1 too) ends at once.
    increment();
    first.get(GUARD_SECONDS, TimeUnit.SECONDS);

    assertTrue(
        store.releasedBySecondBatch.get(),
        "sequence 2 left without waiting for writer 1's thread, which was still in awaitDurable");
    assertEquals(List.of(1L, 2L), transport.deltaBatchesTo(PEER), "batches in sequence order");
  }

  private void increment() {
    engine.writeAsync(COUNTER, c -> c.increment(SELF, 1), Consistency.LOCAL, Duration.ZERO);
  }

  /** Records what is sent; sending the batch of sequence 2 lets the store release ticket 1. */
  private final class RecordingTransport implements Transport {
    final List<Envelope> sent = new CopyOnWriteArrayList<>();
    final List<ReplicaId> to = new CopyOnWriteArrayList<>();

    @Override
    public void start(ReplicaId self, Listener listener) {}

    @Override
    public boolean send(ReplicaId peer, Envelope message) {
      to.add(peer);
      sent.add(message);
      if (message.hasDeltas() && message.getDeltas().getFirstSequence() == 2) {
        store.secondBatchSent.countDown();
      }
      return true;
    }

    @Override
    public void disconnect(ReplicaId peer, Reject.Reason reason, String detail) {}

    @Override
    public Set<ReplicaId> peers() {
      return Set.of(PEER);
    }

    @Override
    public int maxMessageBytes() {
      return 4 * 1024 * 1024;
    }

    @Override
    public void close() {}

    List<Long> deltaBatchesTo(ReplicaId peer) {
      List<Long> firsts = new ArrayList<>();
      for (int i = 0; i < sent.size(); i++) {
        Envelope e = sent.get(i);
        if (to.get(i).equals(peer) && e.hasDeltas() && e.getDeltas().getDeltasCount() > 0) {
          firsts.add(e.getDeltas().getFirstSequence());
        }
      }
      return firsts;
    }
  }

  /**
   * A store whose ticket 1 becomes durable with ticket 2 (one group fsync), but whose waiter for
   * ticket 1 returns only once the batch of sequence 2 was handed to the transport.
   */
  private static final class GatedStore implements DurableStore {
    final AtomicLong tickets = new AtomicLong();
    final CountDownLatch firstWaiting = new CountDownLatch(1);
    final CountDownLatch secondBatchSent = new CountDownLatch(1);
    final AtomicBoolean releasedBySecondBatch = new AtomicBoolean();

    @Override
    public Recovered recover() {
      throw new AssertionError("the engine under test is built without recovering a store");
    }

    @Override
    public long append(List<StoredRecord> records, long hlcBound) {
      return tickets.incrementAndGet();
    }

    @Override
    public void awaitDurable(long ticket) throws InterruptedException {
      if (ticket == 1) {
        firstWaiting.countDown();
        releasedBySecondBatch.set(secondBatchSent.await(GUARD_SECONDS, TimeUnit.SECONDS));
      }
    }

    @Override
    public void checkpoint(Collection<StoredRecord> states, long upToTicket, long hlcBound) {}

    @Override
    public Path directory() {
      return Path.of("in-memory");
    }

    @Override
    public FsyncPolicy fsyncPolicy() {
      return FsyncPolicy.always();
    }

    @Override
    public void close() {}
  }
}
