package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.replication.store.DurableStore;
import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.store.Recovered;
import io.converge.replication.store.StoreException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A durable engine writes its store on a thread of its own, in group commits ({@link Persistence}),
 * and hands its envelopes to the transport in the order it decided them under its lock, each once
 * the changes logged before it are durable. (Before, each writer waited for its own fsync and two
 * writers whose fsyncs ended together raced to the transport: the later batch could go first, the
 * receiver ignored it as beyond a gap, and the link stalled until a resend tick.)
 */
final class EngineSendOrderTest {

  private static final ReplicaId SELF = ReplicaId.of("a");
  private static final ReplicaId PEER = ReplicaId.of("b");
  private static final Key<GCounter> COUNTER = Key.gCounter("counter");

  /** Only a guard against a hang: the test never waits for time to pass. */
  private static final long GUARD_SECONDS = 30;

  private static final int WRITERS = 4;
  private static final int WRITES_EACH = 100;

  private final RecordingTransport transport = new RecordingTransport();
  private final GatedStore store = new GatedStore();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private ExecutorService writers;
  private ReplicationEngine engine;

  @BeforeEach
  void setUp() {
    writers = Executors.newFixedThreadPool(WRITERS);
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
            registry,
            store,
            ClockSkewPolicy.FENCE,
            null);
    // Each write in a batch of its own (by default a write made while a batch that is not full is
    // in flight waits for its Ack): the order of batches is what this test is about.
    engine.maxPartialBatchesInFlight(Integer.MAX_VALUE);
    engine.start();
    engine.onPeerUp(PEER);
  }

  @AfterEach
  void tearDown() {
    store.gate.countDown();
    writers.shutdownNow();
    engine.close();
  }

  /** Writes from {@link #WRITERS} threads at once; returns their futures once all were made. */
  private List<CompletableFuture<Written<GCounter>>> writeFromManyThreads() throws Exception {
    List<CompletableFuture<Written<GCounter>>> futures = new CopyOnWriteArrayList<>();
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      done.add(
          writers.submit(
              () -> {
                for (int i = 0; i < WRITES_EACH; i++) {
                  futures.add(
                      engine.writeAsync(
                          COUNTER, c -> c.increment(SELF, 1), Consistency.LOCAL, Duration.ZERO));
                }
              }));
    }
    for (Future<?> f : done) {
      f.get(GUARD_SECONDS, TimeUnit.SECONDS); // every writeAsync returned: none waits for a disk
    }
    return futures;
  }

  @Test
  void writesWaitingForOneFsync_groupCommitted_thenSentInSequenceOrder() throws Exception {
    List<CompletableFuture<Written<GCounter>>> futures = writeFromManyThreads();
    assertTrue(store.firstWaiting.await(GUARD_SECONDS, TimeUnit.SECONDS), "the first fsync began");

    assertEquals(List.of(), transport.deltaBatchesTo(PEER), "nothing leaves before it is durable");
    assertTrue(futures.stream().noneMatch(CompletableFuture::isDone), "no write done before");

    store.gate.countDown();
    for (CompletableFuture<Written<GCounter>> f : futures) {
      f.get(GUARD_SECONDS, TimeUnit.SECONDS);
    }
    int writes = WRITERS * WRITES_EACH;
    assertEquals(writes, store.records.get(), "every write logged once");
    // The first fsync covers the writes made before it began; every later one waited for it and
    // shares the next: two fsyncs, not one per write.
    assertEquals(2, store.syncs.get(), "fsyncs");
    assertEquals(2.0, registry.get("converge.store.commits").functionCounter().count());
    assertEquals(0.0, registry.get("converge.store.failed").gauge().value());
    List<Long> expected = new ArrayList<>();
    for (long s = 1; s <= writes; s++) {
      expected.add(s);
    }
    assertEquals(expected, transport.deltaBatchesTo(PEER), "batches in sequence order");
  }

  @Test
  void failedFsync_writesFailWithIt_nothingSent_laterWritesFailToo() throws Exception {
    store.failing = true;
    List<CompletableFuture<Written<GCounter>>> futures = writeFromManyThreads();
    store.gate.countDown();
    for (CompletableFuture<Written<GCounter>> f : futures) {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> f.get(GUARD_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(StoreException.class, e.getCause());
    }
    CompletableFuture<Written<GCounter>> later =
        engine.writeAsync(COUNTER, c -> c.increment(SELF, 1), Consistency.LOCAL, Duration.ZERO);
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> later.get(GUARD_SECONDS, TimeUnit.SECONDS));
    assertInstanceOf(StoreException.class, e.getCause());
    assertEquals(List.of(), transport.deltaBatchesTo(PEER), "no delta of an undurable write left");
    assertEquals(1.0, registry.get("converge.store.failed").gauge().value());
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
   * A store whose fsyncs wait at a gate the test opens, counting appends and fsyncs; it can be told
   * to fail its fsyncs.
   */
  private static final class GatedStore implements DurableStore {
    final AtomicLong tickets = new AtomicLong();
    final AtomicLong records = new AtomicLong();
    final AtomicLong syncs = new AtomicLong();
    final CountDownLatch firstWaiting = new CountDownLatch(1);
    final CountDownLatch gate = new CountDownLatch(1);
    volatile boolean failing;

    @Override
    public Recovered recover() {
      throw new AssertionError("the engine under test is built without recovering a store");
    }

    @Override
    public long append(List<StoredRecord> batch, long hlcBound) {
      records.addAndGet(batch.size());
      return tickets.incrementAndGet();
    }

    @Override
    public void awaitDurable(long ticket) throws InterruptedException {
      syncs.incrementAndGet();
      firstWaiting.countDown();
      assertTrue(gate.await(GUARD_SECONDS, TimeUnit.SECONDS), "the test never opened the gate");
      if (failing) {
        throw new StoreException(StoreException.Reason.IO, "simulated fsync failure");
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
