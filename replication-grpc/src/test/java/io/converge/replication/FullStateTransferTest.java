package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.replication.antientropy.KeyDigestTree;
import io.converge.replication.antientropy.Reconciler;
import io.converge.replication.codec.Clocks;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.codec.WireException.Reason;
import io.converge.replication.transport.InMemoryNetwork;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.FullStateAck;
import io.converge.replication.wire.v1.FullStateChunk;
import io.converge.replication.wire.v1.Reject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Full states streamed between replicas of an in-memory network (virtual time, replayable): paced
 * by a byte budget per peer and the receiver's {@code FullStateAck}s, re-sent when the transport
 * refuses a chunk, given up and started again when acknowledgements stop; a key over the receiver's
 * limit refused for that key alone and not sent again until it changes; what a hostile receiver may
 * say in its acks; and one encoding per version.
 *
 * <p>Messages are at most {@value #MESSAGE_BYTES} bytes, so a set of some 45 KB written in one
 * LOCAL update gets no delta sequence and travels as a full state, in chunks of {@value
 * #CHUNK_BYTES} bytes with at most {@value #BUDGET_BYTES} bytes in flight.
 */
final class FullStateTransferTest {

  private static final int MESSAGE_BYTES = 16 * 1024;
  private static final int CHUNK_BYTES = 1024;
  private static final long BUDGET_BYTES = 8 * 1024;
  private static final Duration SECOND = Duration.ofSeconds(1);

  private static final Key<ORSet<String>> BIG = Key.orSet("big", ElementCodec.strings());
  private static final Key<ORSet<String>> OTHER = Key.orSet("other", ElementCodec.strings());
  private static final Key<GCounter> SMALL = Key.gCounter("small");

  private InMemoryNetwork network;
  private final List<Replica> replicas = new ArrayList<>();

  @BeforeEach
  void setUp() {
    network =
        InMemoryNetwork.builder()
            .seed(5)
            .delay(Duration.ofMillis(1), Duration.ofMillis(5))
            .maxMessageBytes(MESSAGE_BYTES)
            .build();
  }

  /** A transport that records full-state traffic and can refuse sends or drop what arrives. */
  private static final class Spy implements Transport {
    final Transport delegate;
    volatile Predicate<Envelope> refuseSend = e -> false;
    volatile Predicate<Envelope> dropReceived = e -> false;
    final List<FullStateChunk> chunksSent = new CopyOnWriteArrayList<>();
    final List<FullStateAck> acksReceived = new CopyOnWriteArrayList<>();
    final List<String> downs = new CopyOnWriteArrayList<>();
    int refusedSends;

    /** Per transfer: the cost of each chunk sent, by index; and how many chunks were acked. */
    private final Map<Long, TreeMap<Integer, Long>> sent = new HashMap<>();

    private final Map<Long, Long> acked = new HashMap<>();
    long maxInFlight;

    Spy(Transport delegate) {
      this.delegate = delegate;
    }

    @Override
    public void start(ReplicaId self, Listener listener) {
      delegate.start(
          self,
          new Listener() {
            @Override
            public void onMessage(ReplicaId from, Envelope message) {
              if (dropReceived.test(message)) {
                return;
              }
              if (message.hasFullStateAck()) {
                FullStateAck ack = message.getFullStateAck();
                acksReceived.add(ack);
                synchronized (Spy.this) {
                  acked.merge(ack.getTransfer(), (long) ack.getReceivedChunks(), Math::max);
                }
              }
              listener.onMessage(from, message);
            }

            @Override
            public void onPeerUp(ReplicaId peer) {
              listener.onPeerUp(peer);
            }

            @Override
            public void onPeerDown(ReplicaId peer, String reason) {
              downs.add(peer + ": " + reason);
              listener.onPeerDown(peer, reason);
            }

            @Override
            public void onRefused(ReplicaId peer, Reject.Reason reason, String detail) {
              listener.onRefused(peer, reason, detail);
            }
          });
    }

    @Override
    public boolean send(ReplicaId peer, Envelope message) {
      if (refuseSend.test(message)) {
        synchronized (this) {
          refusedSends++;
        }
        return false;
      }
      boolean accepted = delegate.send(peer, message);
      if (accepted && message.hasFullState()) {
        FullStateChunk c = message.getFullState();
        chunksSent.add(c);
        synchronized (this) {
          sent.computeIfAbsent(c.getTransfer(), t -> new TreeMap<>())
              .put(
                  c.getChunkIndex(),
                  (long) c.getPayload().size() + OutgoingTransfer.CHUNK_OVERHEAD);
          long inFlight = 0;
          for (Map.Entry<Long, TreeMap<Integer, Long>> t : sent.entrySet()) {
            long from = acked.getOrDefault(t.getKey(), 0L);
            for (long cost : t.getValue().tailMap((int) from).values()) {
              inFlight += cost;
            }
          }
          maxInFlight = Math.max(maxInFlight, inFlight);
        }
      }
      return accepted;
    }

    Set<Long> transfers(String key) {
      Set<Long> ids = new TreeSet<>();
      for (FullStateChunk c : chunksSent) {
        if (c.getKey().equals(key)) {
          ids.add(c.getTransfer());
        }
      }
      return ids;
    }

    @Override
    public void disconnect(ReplicaId peer, Reject.Reason reason, String detail) {
      delegate.disconnect(peer, reason, detail);
    }

    @Override
    public Set<ReplicaId> peers() {
      return delegate.peers();
    }

    @Override
    public int maxMessageBytes() {
      return delegate.maxMessageBytes();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  private final Map<String, Spy> spies = new HashMap<>();

  private Replica start(String name, UnaryOperator<Replica.Builder> configure) {
    ReplicaId id = ReplicaId.of(name);
    Transport raw = network.transport(id);
    Spy spy = new Spy(raw);
    spies.put(name, spy);
    Replica replica =
        configure
            .apply(
                Replica.builder()
                    .replicaId(id)
                    .transport(spy)
                    .clock(
                        HybridLogicalClock.builder()
                            .physicalClock(network.clock(id, Duration.ZERO))
                            .build())
                    .scheduler(SimulatedCluster.scheduler(network, raw))
                    .resendInterval(Duration.ofMillis(50))
                    .antiEntropyInterval(Duration.ofMillis(200))
                    .drainTimeout(Duration.ZERO)
                    .fullStateBudget(BUDGET_BYTES, CHUNK_BYTES)
                    .key(BIG)
                    .key(OTHER)
                    .key(SMALL))
            .start();
    replicas.add(replica);
    return replica;
  }

  private Replica start(String name) {
    return start(name, b -> b);
  }

  /** Adds {@code n} elements of 100 characters in one update: one LOCAL write, no delta. */
  private static ORSet<String> fill(ORSet<String> set, Replica r, String prefix, int n) {
    ORSet<String> s = set;
    for (int i = 0; i < n; i++) {
      s = s.add(r.self(), prefix + String.format("%06d", i) + "y".repeat(93 - prefix.length()));
    }
    return s;
  }

  private static Replica holding(Replica r, int elements) {
    r.update(BIG, s -> fill(s, r, "b", elements));
    assertEquals(1, r.stats().oversizedDeltas(), "it is shipped by anti-entropy, not as a delta");
    return r;
  }

  private void advance(Duration d) {
    network.advance(d);
  }

  // --- streaming --------------------------------------------------------------------------------

  @Test
  void largeKey_reachesReplicaThatStartsEmpty_inAcknowledgedChunks_withinTheBudget() {
    Replica r1 = holding(start("r1"), 450);
    Replica r2 = start("r2");
    advance(Duration.ofSeconds(2));

    assertEquals(r1.get(BIG), r2.get(BIG));
    Spy spy = spies.get("r1");
    assertTrue(spy.chunksSent.size() >= 40, () -> spy.chunksSent.size() + " chunks");
    assertTrue(
        spy.maxInFlight <= BUDGET_BYTES,
        () -> spy.maxInFlight + " bytes in flight, budget " + BUDGET_BYTES);
    assertTrue(spy.maxInFlight > BUDGET_BYTES / 2, () -> "budget used: " + spy.maxInFlight);
    assertEquals(Set.of(spy.chunksSent.get(0).getTransfer()), spy.transfers("big"));
    assertEquals(1, r2.stats().fullStatesReceived());
    assertNothingRefused(r1);
    assertNothingRefused(r2);
  }

  @Test
  void deltasOfAnotherKey_notStuckBehindATransferUnderWay() {
    Replica r1 = holding(start("r1"), 450);
    Replica r2 = start("r2");
    Spy spy = spies.get("r1");
    for (int i = 0; i < 5_000 && spy.acksReceived.size() < 8; i++) {
      advance(Duration.ofMillis(1));
    }
    assertTrue(spy.acksReceived.size() >= 8, "the transfer started");
    r1.update(SMALL, c -> c.increment(r1.self(), 1));
    for (int i = 0; i < 5_000 && r2.get(SMALL).value() == 0; i++) {
      advance(Duration.ofMillis(1));
    }
    assertEquals(1, r2.get(SMALL).value());
    assertTrue(
        r2.get(BIG).elements().isEmpty(),
        "the delta arrived after the state: it waited behind the transfer");
    advance(Duration.ofSeconds(2));
    assertEquals(r1.get(BIG), r2.get(BIG));
  }

  @Test
  void chunksTheTransportRefuses_sentAgain_sameTransfer() {
    Replica r1 = holding(start("r1"), 450);
    Spy spy = spies.get("r1");
    int[] chunks = {0};
    spy.refuseSend = e -> e.hasFullState() && ++chunks[0] % 3 == 0;
    Replica r2 = start("r2");
    advance(Duration.ofSeconds(2));

    assertTrue(spy.refusedSends > 10, () -> spy.refusedSends + " refused");
    assertEquals(r1.get(BIG), r2.get(BIG));
    assertEquals(1, spy.transfers("big").size(), "not given up and started again");
    assertNothingRefused(r2);
  }

  @Test
  void acknowledgementsStop_transferGivenUp_nextRoundStartsAnother() {
    Replica r1 = holding(start("r1"), 450);
    Spy spy = spies.get("r1");
    spy.dropReceived = Envelope::hasFullStateAck;
    Replica r2 = start("r2");
    advance(Duration.ofSeconds(2));
    assertTrue(r2.get(BIG).elements().isEmpty());
    int tried = spy.transfers("big").size();
    assertTrue(tried >= 2, () -> tried + " transfers");
    int chunks = spy.chunksSent.size();
    assertTrue(chunks < 450, () -> "paced even without acks: " + chunks + " chunks sent");

    spy.dropReceived = e -> false;
    advance(Duration.ofSeconds(2));
    assertEquals(r1.get(BIG), r2.get(BIG));
    assertNothingRefused(r2);
  }

  // --- limits -----------------------------------------------------------------------------------

  @Test
  void keyOverReceiversLimit_refusedAlone_reported_notSentAgainUntilItChanges() {
    Replica r1 = holding(start("r1"), 450);
    r1.update(OTHER, s -> fill(s, r1, "o", 180)); // ~18 KB: a full state, under the limit
    Replica r2 = start("r2", b -> b.maxKeyBytes(30_000));
    advance(Duration.ofSeconds(2));
    r1.update(SMALL, c -> c.increment(r1.self(), 4));
    advance(SECOND);

    Stats stats = r2.stats();
    assertEquals(1, stats.fullStatesOversized(), stats::toString);
    assertEquals(Set.of("big"), stats.oversizedKeys());
    assertEquals(1, stats.rejected(Reason.OVERSIZED), stats::toString);
    assertEquals(0, stats.rejected(Reason.MALFORMED), stats::toString);
    assertEquals(1L, r1.stats().rejectsReceived().get(Reason.OVERSIZED).longValue());
    assertTrue(r2.get(BIG).elements().isEmpty());
    assertEquals(r1.get(OTHER), r2.get(OTHER));
    assertEquals(4, r2.get(SMALL).value());
    assertTrue(spies.get("r1").downs.isEmpty(), spies.get("r1").downs::toString);
    assertTrue(r1.peers().get(r2.self()).connected());
    int transfers = spies.get("r1").transfers("big").size();
    assertEquals(1, transfers, "sent once, in the first round, not in each");

    r1.update(BIG, s -> s.add(r1.self(), "one more"));
    advance(SECOND);
    assertEquals(2, r2.stats().fullStatesOversized(), "a new version is sent (and refused)");
    assertEquals(2, spies.get("r1").transfers("big").size());
  }

  // --- one encoding per version -----------------------------------------------------------------

  @Test
  void oneVersion_encodedOnceForItsDigestAndTheTransfersToEveryPeer() {
    List<Object> encoded = Collections.synchronizedList(new ArrayList<>());
    CrdtCodec<ORSet<String>> counting = CountingCodec.orSetOfStrings(encoded);
    Key<ORSet<String>> big = Key.of("counted", counting, ORSet.empty());
    Replica r1 = start("r1", b -> b.key(big));
    r1.update(big, s -> fill(s, r1, "c", 450));
    Replica r2 = start("r2", b -> b.key(big));
    Replica r3 = start("r3", b -> b.key(big));
    advance(Duration.ofSeconds(2));

    ORSet<String> state = r1.get(big);
    assertEquals(state, r2.get(big));
    assertEquals(state, r3.get(big));
    assertEquals(2, spies.get("r1").transfers("counted").size(), "one transfer to each peer");
    Map<Object, Integer> times = new IdentityHashMap<>();
    for (Object o : encoded) {
      times.merge(o, 1, Integer::sum);
    }
    assertEquals(1, times.getOrDefault(state, 0), "encodings of r1's version");
  }

  // --- a hostile receiver -----------------------------------------------------------------------

  /** A peer that asks for every key in anti-entropy, records chunks, and acks as told. */
  private final class Rogue {
    final Transport transport = network.transport(ReplicaId.of("rogue"));
    final List<FullStateChunk> chunks = new CopyOnWriteArrayList<>();
    final List<String> events = new CopyOnWriteArrayList<>();

    Rogue() {
      transport.start(
          ReplicaId.of("rogue"),
          new Transport.Listener() {
            @Override
            public void onMessage(ReplicaId from, Envelope message) {
              if (message.hasDigestRequest()) {
                transport.send(
                    from,
                    envelope()
                        .setDigestResponse(
                            Reconciler.defaults()
                                .respond(new KeyDigestTree(), message.getDigestRequest()))
                        .build());
              } else if (message.hasFullState()) {
                chunks.add(message.getFullState());
              }
            }

            @Override
            public void onPeerUp(ReplicaId peer) {}

            @Override
            public void onPeerDown(ReplicaId peer, String reason) {
              events.add("down " + peer + ": " + reason);
            }

            @Override
            public void onRefused(ReplicaId peer, Reject.Reason reason, String detail) {}
          });
    }

    Envelope.Builder envelope() {
      return Envelope.newBuilder()
          .setProtocolVersion(ReplicationEngine.PROTOCOL_VERSION)
          .setSender("rogue")
          .setSentAt(Clocks.toWire(HlcTimestamp.of(network.currentTimeMillis(), 0)));
    }

    /** The chunks of one transfer received, by index. */
    TreeMap<Integer, FullStateChunk> of(long transfer) {
      TreeMap<Integer, FullStateChunk> byIndex = new TreeMap<>();
      for (FullStateChunk c : chunks) {
        if (c.getTransfer() == transfer) {
          byIndex.put(c.getChunkIndex(), c);
        }
      }
      return byIndex;
    }

    void ack(ReplicaId to, FullStateAck.Builder ack) {
      transport.send(to, envelope().setFullStateAck(ack).build());
      advance(Duration.ofMillis(20));
    }

    /** Waits for the first chunks of a transfer to the rogue; returns the first. */
    FullStateChunk firstChunk() {
      for (int i = 0; i < 2_000 && chunks.isEmpty(); i++) {
        advance(Duration.ofMillis(1));
      }
      assertFalse(chunks.isEmpty(), "no full state reached the rogue");
      advance(Duration.ofMillis(20)); // the others sent with it arrive
      return chunks.get(0);
    }
  }

  @Test
  void ack_ofATransferNeverStarted_refusedMalformed_linkClosed() {
    Replica r1 = holding(start("r1"), 450);
    Rogue rogue = new Rogue();
    FullStateChunk first = rogue.firstChunk();
    rogue.ack(
        r1.self(), FullStateAck.newBuilder().setKey("big").setTransfer(first.getTransfer() + 1000));
    assertEquals(1, r1.stats().rejected(Reason.MALFORMED), r1.stats()::toString);
    assertTrue(
        rogue.events.stream().anyMatch(e -> e.contains("MALFORMED")), rogue.events::toString);
    assertEquals(r1.get(BIG).elements().size(), 450, "nothing of r1 changed");
  }

  @Test
  void ack_beyondTheChunkCount_refusedMalformed() {
    Replica r1 = holding(start("r1"), 450);
    Rogue rogue = new Rogue();
    FullStateChunk first = rogue.firstChunk();
    rogue.ack(
        r1.self(),
        FullStateAck.newBuilder()
            .setKey("big")
            .setTransfer(first.getTransfer())
            .setReceivedChunks(first.getChunkCount() + 1));
    assertEquals(1, r1.stats().rejected(Reason.MALFORMED), r1.stats()::toString);
  }

  @Test
  void ack_refusingWithASessionReason_refusedMalformed() {
    Replica r1 = holding(start("r1"), 450);
    Rogue rogue = new Rogue();
    FullStateChunk first = rogue.firstChunk();
    rogue.ack(
        r1.self(),
        FullStateAck.newBuilder()
            .setKey("big")
            .setTransfer(first.getTransfer())
            .setRefused(Reject.Reason.NO_HANDSHAKE));
    assertEquals(1, r1.stats().rejected(Reason.MALFORMED), r1.stats()::toString);
  }

  @Test
  void ack_refusingTheTransfer_stopsIt_countedNotSentAgain_linkUp() {
    Replica r1 = holding(start("r1"), 450);
    Rogue rogue = new Rogue();
    FullStateChunk first = rogue.firstChunk();
    rogue.ack(
        r1.self(),
        FullStateAck.newBuilder()
            .setKey("big")
            .setTransfer(first.getTransfer())
            .setRefused(Reject.Reason.OVERSIZED)
            .setDetail("too big for me"));
    int chunks = rogue.chunks.size();
    advance(Duration.ofSeconds(2));
    assertEquals(chunks, rogue.chunks.size(), "no chunk after the refusal, in any round");
    assertEquals(1L, r1.stats().rejectsReceived().get(Reason.OVERSIZED).longValue());
    assertEquals(0, r1.stats().rejected(Reason.MALFORMED));
    assertTrue(rogue.events.isEmpty(), rogue.events::toString);
    assertTrue(r1.peers().get(ReplicaId.of("rogue")).connected());
  }

  @Test
  void ack_unknownOrRepeated_ignored_transferCompletesWithHonestAcks() {
    Replica r1 = holding(start("r1"), 450);
    Rogue rogue = new Rogue();
    FullStateChunk first = rogue.firstChunk();
    long transfer = first.getTransfer();
    int inBudget = (int) (BUDGET_BYTES / (CHUNK_BYTES + OutgoingTransfer.CHUNK_OVERHEAD));
    assertEquals(inBudget, rogue.of(transfer).size(), "the budget's worth, then it waits");
    // An ack of another key, and one that goes back: neither releases anything.
    rogue.ack(
        r1.self(),
        FullStateAck.newBuilder().setKey("other").setTransfer(transfer).setReceivedChunks(5));
    rogue.ack(
        r1.self(),
        FullStateAck.newBuilder().setKey("big").setTransfer(transfer).setReceivedChunks(0));
    assertEquals(inBudget, rogue.of(transfer).size());
    assertEquals(0, r1.stats().rejected(Reason.MALFORMED));
    // Acks of what it holds clock out the rest.
    for (int i = 0; i < 200 && rogue.of(transfer).size() < first.getChunkCount(); i++) {
      rogue.ack(
          r1.self(),
          FullStateAck.newBuilder()
              .setKey("big")
              .setTransfer(transfer)
              .setReceivedChunks(rogue.of(transfer).size()));
    }
    ByteString whole = ByteString.EMPTY;
    for (FullStateChunk c : rogue.of(transfer).values()) {
      whole = whole.concat(c.getPayload());
    }
    assertEquals(first.getChunkCount(), rogue.of(transfer).size());
    assertEquals(r1.get(BIG), BIG.codec().decode(whole.toByteArray()));
  }

  private static void assertNothingRefused(Replica replica) {
    Stats stats = replica.stats();
    for (Reason reason : Reason.values()) {
      assertEquals(0, stats.rejected(reason), () -> replica + " refused: " + stats);
      assertEquals(
          0L,
          stats.rejectsReceived().get(reason).longValue(),
          () -> replica + " was refused: " + stats);
    }
  }
}
