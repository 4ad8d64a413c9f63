package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.DWFlag;
import io.converge.crdt.DeltaCrdt;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.GSet;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.replication.codec.CausalCodec;
import io.converge.replication.codec.Clocks;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.codec.WireException;
import io.converge.replication.codec.WireLimits;
import io.converge.replication.fuzz.Allocations;
import io.converge.replication.fuzz.Corpus;
import io.converge.replication.fuzz.FuzzInput;
import io.converge.replication.fuzz.FuzzInputWriter;
import io.converge.replication.fuzz.Samples;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.Ack;
import io.converge.replication.wire.v1.DeltaBatch;
import io.converge.replication.wire.v1.DigestRequest;
import io.converge.replication.wire.v1.DigestResponse;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.FullStateAck;
import io.converge.replication.wire.v1.FullStateChunk;
import io.converge.replication.wire.v1.Handshake;
import io.converge.replication.wire.v1.KeyedDelta;
import io.converge.replication.wire.v1.Reject;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the engine's handling of one whole message from a peer ({@link
 * ReplicationEngine#onMessage}), the trust boundary of a replica (see DESIGN.md, "Trust").
 *
 * <p>Each input runs on a new engine, {@code a}, with a deterministic clock and no timers, holding
 * state in keys of every CRDT type (its own writes, and a delta from its peer {@code b}) and
 * declared with small {@link WireLimits}. The input describes one envelope from {@code b}: its
 * sender, protocol version and {@code sent_at} (valid most of the time), and a body among deltas,
 * full-state chunks, acks, digests, handshakes and rejects, whose payloads are real encodings of
 * states and deltas of the key's type, mutated or not, or raw bytes ({@link #envelope}); or, for a
 * first byte of 0, the rest of the input parsed as an envelope. Then:
 *
 * <ul>
 *   <li>no exception escapes {@code onMessage}: the only outcomes are a refusal with a typed reason
 *       (counted in {@link Stats#rejected}) or an accepted message;
 *   <li>a refused message (counted, and no Ack sent for it) changes no value of any key, and no
 *       received-delta or full-state count;
 *   <li>whatever the outcome, a key the message does not name keeps its value;
 *   <li>every Reject sent back names a reason;
 *   <li>handling it allocates at most {@link Allocations#PER_INPUT_BYTE} bytes per byte of the
 *       envelope plus {@link #BASE_ALLOCATION}.
 * </ul>
 *
 * <p>The semantic checks of a message (timestamps, counter bounds, delta origins) are the engine's
 * and the codecs': whatever they refuse is fine here as long as it is refused whole and typed.
 */
final class ReplicationEngineFuzzTest {

  private static final ReplicaId SELF = ReplicaId.of("a");
  private static final ReplicaId PEER = Samples.B;

  /** The engine's physical clock, fixed: 1 s after the samples' timestamps start. */
  private static final long NOW = Samples.at(1_000).physical();

  /** Limits a fuzzer's inputs reach. */
  private static final WireLimits LIMITS = new WireLimits(16 * 1024, 32, 8);

  /** What handling one message may allocate besides its per-byte allowance. */
  static final long BASE_ALLOCATION = 2L << 20;

  private static final ElementCodec<String> STRINGS = ElementCodec.strings();
  private static final CausalCodec<CausalCounter> COUNTERS = CrdtCodec.causalCounter(LIMITS);
  private static final CausalCodec<ORMap<String, CausalCounter>> COUNTER_MAPS =
      CrdtCodec.orMap(STRINGS, COUNTERS, LIMITS);

  private static final Key<GCounter> G_COUNTER =
      Key.of("gcounter", CrdtCodec.gCounter(LIMITS), GCounter.empty());
  private static final Key<ORSet<String>> OR_SET =
      Key.of("orset", CrdtCodec.orSet(STRINGS, LIMITS), ORSet.empty());
  private static final Key<MVRegister<String>> MV_REGISTER =
      Key.of("mv", CrdtCodec.mvRegister(STRINGS, LIMITS), MVRegister.empty());
  private static final Key<ORMap<String, CausalCounter>> COUNTER_MAP =
      Key.of("map", COUNTER_MAPS, ORMap.empty(CausalCounter.zero()));

  /** A declared key and real encodings of its type (states and deltas), to send or mutate. */
  private record Declared(Key<?> key, List<byte[]> samples) {}

  private static final List<Declared> KEYS = new ArrayList<>();

  static {
    declare(G_COUNTER, Samples.gCounters());
    declare(
        Key.of("pncounter", CrdtCodec.pnCounter(LIMITS), PNCounter.empty()), Samples.pnCounters());
    declare(
        Key.of("gset", CrdtCodec.gSet(STRINGS, LIMITS), GSet.<String>empty()),
        Samples.stringGSets());
    declare(
        Key.of("lww", CrdtCodec.lwwRegister(STRINGS, LIMITS), LWWRegister.<String>empty()),
        Samples.lwwRegisters());
    declare(OR_SET, Samples.orSets());
    declare(MV_REGISTER, Samples.mvRegisters());
    declare(Key.of("ew", CrdtCodec.ewFlag(LIMITS), EWFlag.disabled()), Samples.ewFlags());
    declare(Key.of("dw", CrdtCodec.dwFlag(LIMITS), DWFlag.disabled()), Samples.dwFlags());
    declare(Key.of("cc", COUNTERS, CausalCounter.zero()), Samples.causalCounters());
    declare(Key.of("map", COUNTER_MAPS, ORMap.empty(CausalCounter.zero())), Samples.counterMaps());
    declare(
        Key.of(
            "nested",
            CrdtCodec.orMap(STRINGS, COUNTER_MAPS, LIMITS),
            ORMap.empty(ORMap.empty(CausalCounter.zero()))),
        Samples.nestedMaps());
    declare(
        Key.of(
            "setmap",
            CrdtCodec.orMap(STRINGS, CrdtCodec.orSet(STRINGS, LIMITS), LIMITS),
            ORMap.empty(ORSet.<String>empty())),
        Samples.setMaps());
  }

  private static <T extends DeltaCrdt<T>> void declare(Key<T> key, Map<String, T> samples) {
    List<byte[]> encoded = new ArrayList<>();
    for (T sample : samples.values()) {
      encoded.add(key.codec().encode(sample));
    }
    KEYS.add(new Declared(key, encoded));
  }

  @FuzzTest
  void onMessage(byte[] input) {
    Envelope message = envelope(input);
    if (message == null) {
      return; // bytes that are no envelope: the transport refuses them (EnvelopeFuzzTest)
    }
    int size = message.getSerializedSize();
    long first = new Run().handle(message);
    long bound = Allocations.PER_INPUT_BYTE * size + BASE_ALLOCATION;
    if (first > bound) {
      // The first run of a code path loads, links and instruments classes: measure again.
      long again = new Run().handle(message);
      assertTrue(
          again <= bound,
          () ->
              "onMessage of "
                  + size
                  + " bytes allocated "
                  + again
                  + " bytes (first run "
                  + first
                  + "), more than "
                  + bound
                  + ": "
                  + message);
    }
  }

  /** One engine, the message, and the checks. */
  private static final class Run {
    final RecordingTransport transport = new RecordingTransport();
    final ReplicationEngine engine;

    Run() {
      Map<String, Key<?>> declared = new LinkedHashMap<>();
      for (Declared d : KEYS) {
        declared.put(d.key().name(), d.key());
      }
      engine =
          new ReplicationEngine(
              SELF,
              transport,
              HybridLogicalClock.builder().physicalClock(() -> NOW).build(),
              (delay, task) -> {}, // no timers: one message, and what it alone causes
              Duration.ofSeconds(1),
              Duration.ofMillis(200),
              10_000,
              1L,
              declared,
              Map.of(),
              new SimpleMeterRegistry(),
              null,
              ClockSkewPolicy.FENCE,
              null);
      engine.start();
      engine.onPeerUp(PEER);
      // Some state of its own (and deltas in its log, for Acks to act on).
      write(G_COUNTER, c -> c.increment(SELF, 2));
      write(OR_SET, s -> s.add(SELF, "apple"));
      write(MV_REGISTER, r -> r.write(SELF, "mine", Samples.at(500)));
      write(COUNTER_MAP, m -> m.update(SELF, "shoes", c -> c.increment(SELF, 1)));
      // And some of the peer's: its handshake and its first delta.
      engine.onMessage(
          PEER,
          validEnvelope()
              .setHandshake(
                  Handshake.newBuilder()
                      .setMinProtocolVersion(1)
                      .setMaxProtocolVersion(1)
                      .setReplica(PEER.name())
                      .setIncarnation(1))
              .build());
      engine.onMessage(
          PEER,
          validEnvelope()
              .setDeltas(
                  DeltaBatch.newBuilder()
                      .setFirstSequence(1)
                      .addDeltas(
                          KeyedDelta.newBuilder()
                              .setKey("orset")
                              .setType("ORSet")
                              .setPayload(
                                  ByteString.copyFrom(
                                      CrdtCodec.orSet(STRINGS)
                                          .encode(Samples.orSets().get("delta-0"))))))
              .build());
      assertEquals(0, rejected(engine.stats()), "the set-up was refused");
    }

    private <T extends DeltaCrdt<T>> void write(Key<T> key, UnaryOperator<T> update) {
      engine.writeAsync(key, update, Consistency.LOCAL, Duration.ZERO);
    }

    /** Handles the message, checks the outcome; returns what onMessage allocated. */
    long handle(Envelope message) {
      Map<String, Object> before = values();
      Stats stats = engine.stats();
      int sent = transport.sent.size();
      long allocated = Allocations.measure(() -> engine.onMessage(PEER, message));
      Stats after = engine.stats();
      Map<String, Object> values = values();

      Set<String> named = named(message);
      for (String key : before.keySet()) {
        if (!named.contains(key)) {
          assertEquals(before.get(key), values.get(key), () -> "key " + key + " not in " + message);
        }
      }
      boolean acked = false;
      for (Envelope reply : transport.sent.subList(sent, transport.sent.size())) {
        acked |= reply.hasAck();
        if (reply.hasReject()) {
          assertNotEquals(
              Reject.Reason.REASON_UNSPECIFIED, reply.getReject().getReason(), "untyped Reject");
        }
      }
      long refusals = rejected(after) - rejected(stats);
      if (refusals > 0 && !acked) {
        assertEquals(before, values, () -> "a refused message changed values: " + message);
        assertEquals(stats.deltasReceived(), after.deltasReceived(), "deltas of a refusal");
        assertEquals(
            stats.fullStatesReceived(), after.fullStatesReceived(), "full states of a refusal");
      }
      engine.close();
      return allocated;
    }

    private Map<String, Object> values() {
      Map<String, Object> values = new LinkedHashMap<>();
      for (Declared d : KEYS) {
        values.put(d.key().name(), value(d.key()));
      }
      return values;
    }

    private <T extends DeltaCrdt<T>> T value(Key<T> key) {
      return engine.get(key);
    }
  }

  /** Records what the engine sends; accepts everything. */
  private static final class RecordingTransport implements Transport {
    final List<Envelope> sent = new ArrayList<>();

    @Override
    public void start(ReplicaId self, Listener listener) {}

    @Override
    public boolean send(ReplicaId peer, Envelope message) {
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
      return LIMITS.maxMessageBytes();
    }

    @Override
    public void close() {}
  }

  private static long rejected(Stats stats) {
    long n = 0;
    for (WireException.Reason reason : WireException.Reason.values()) {
      n += stats.rejected(reason);
    }
    return n;
  }

  /** The keys a message names: those it may change. */
  private static Set<String> named(Envelope message) {
    Set<String> keys = new HashSet<>();
    for (KeyedDelta d : message.getDeltas().getDeltasList()) {
      keys.add(d.getKey());
    }
    if (message.hasFullState()) {
      keys.add(message.getFullState().getKey());
    }
    return keys;
  }

  private static Envelope.Builder validEnvelope() {
    return Envelope.newBuilder()
        .setProtocolVersion(ReplicationEngine.PROTOCOL_VERSION)
        .setSender(PEER.name())
        .setSentAt(Clocks.toWire(HlcTimestamp.of(NOW - 10, 0)));
  }

  // -------------------------------------------------------------------------------------------
  // The input: what the fuzzer chooses
  // -------------------------------------------------------------------------------------------

  /** Body kinds, by the choice that selects them. */
  private static final int HANDSHAKE = 0;

  private static final int DELTAS = 1;
  private static final int ACK = 3;
  private static final int DIGEST_REQUEST = 4;
  private static final int DIGEST_RESPONSE = 5;
  private static final int FULL_STATE = 6;
  private static final int REJECT = 7;
  private static final int NO_BODY = 8;

  /** The envelope an input describes, or null if it is raw bytes that do not parse. */
  static Envelope envelope(byte[] input) {
    FuzzInput in = new FuzzInput(input);
    if (input.length > 0 && input[0] == 0) {
      in.nextByte();
      try {
        return Envelope.parseFrom(in.rest());
      } catch (InvalidProtocolBufferException e) {
        return null;
      }
    }
    in.nextByte(); // the mode: structured
    Envelope.Builder e = Envelope.newBuilder();
    switch (in.choice(8)) {
      case 0 -> e.setSender("c");
      case 1 -> e.setSender(in.string());
      default -> e.setSender(PEER.name());
    }
    e.setProtocolVersion(in.choice(8) == 0 ? in.nextInt() : ReplicationEngine.PROTOCOL_VERSION);
    switch (in.choice(8)) {
      case 0 -> {} // no sent_at
      case 1 ->
          e.setSentAt(
              io.converge.replication.wire.v1.HlcTimestamp.newBuilder().setPacked(in.nextLong()));
      case 2 ->
          e.setSentAt(
              Clocks.toWire(HlcTimestamp.of(Math.max(0, NOW + in.nextInt()), in.choice(256))));
      default -> e.setSentAt(Clocks.toWire(HlcTimestamp.of(NOW - in.nextByte(), in.nextByte())));
    }
    switch (in.choice(NO_BODY + 1)) {
      case HANDSHAKE -> {
        Handshake.Builder h = Handshake.newBuilder();
        h.setMinProtocolVersion(in.choice(4) == 0 ? in.nextInt() : 1);
        h.setMaxProtocolVersion(in.choice(4) == 0 ? in.nextInt() : 1);
        h.setReplica(in.flag() ? in.string() : PEER.name());
        h.setIncarnation(in.choice(4) == 0 ? in.nextLong() : in.choice(3));
        e.setHandshake(h);
      }
      case DELTAS, DELTAS + 1 -> {
        DeltaBatch.Builder b = DeltaBatch.newBuilder();
        b.setFirstSequence(
            switch (in.choice(4)) {
              case 0 -> in.nextLong();
              case 1 -> 1;
              case 2 -> 3;
              default -> 2; // the one expected after the set-up's delta
            });
        int n = in.choice(5);
        for (int i = 0; i < n; i++) {
          KeyedDelta.Builder d = KeyedDelta.newBuilder();
          keyTypePayload(in, d::setKey, d::setType, d::setPayload);
          if (in.flag()) {
            d.setOriginTime(Clocks.toWire(HlcTimestamp.fromPacked(in.nextLong() & Long.MAX_VALUE)));
          }
          b.addDeltas(d);
        }
        e.setDeltas(b);
      }
      case ACK ->
          e.setAck(Ack.newBuilder().setUpToSequence(in.flag() ? in.nextLong() : in.choice(8)));
      case DIGEST_REQUEST -> {
        try {
          e.setDigestRequest(DigestRequest.parseFrom(in.rest()));
        } catch (InvalidProtocolBufferException x) {
          e.setDigestRequest(DigestRequest.getDefaultInstance());
        }
      }
      case DIGEST_RESPONSE -> {
        try {
          e.setDigestResponse(DigestResponse.parseFrom(in.rest()));
        } catch (InvalidProtocolBufferException x) {
          e.setDigestResponse(DigestResponse.getDefaultInstance());
        }
      }
      case FULL_STATE -> {
        FullStateChunk.Builder c = FullStateChunk.newBuilder();
        keyTypePayload(in, c::setKey, c::setType, c::setPayload);
        if (in.choice(4) == 0) {
          c.setChunkIndex(in.nextInt()).setChunkCount(in.nextInt());
        } else {
          c.setChunkIndex(0).setChunkCount(1);
        }
        c.setTransfer(in.choice(4) == 0 ? in.nextLong() : 1);
        // Choices added after the others (an input that ends here keeps its meaning): mostly the
        // honest total, and sometimes, instead of the chunk, an acknowledgement or refusal of a
        // transfer of this replica's.
        c.setTotalBytes(in.choice(4) == 3 ? in.nextLong() : c.getPayload().size());
        if (in.choice(4) == 3) {
          FullStateAck.Builder a =
              FullStateAck.newBuilder()
                  .setKey(c.getKey())
                  .setTransfer(c.getTransfer())
                  .setReceivedChunks(in.choice(4) == 0 ? in.nextInt() : in.choice(3));
          if (in.flag()) {
            a.setRefusedValue(in.choice(30)).setDetail(in.string()).setRetryLater(in.flag());
          }
          e.setFullStateAck(a);
        } else {
          e.setFullState(c);
        }
      }
      case REJECT -> {
        Reject.Builder r = Reject.newBuilder().setReasonValue(in.choice(8)).setDetail(in.string());
        r.setSequence(in.flag() ? in.nextLong() : in.choice(8));
        e.setReject(r);
      }
      default -> {} // NO_BODY
    }
    return e.build();
  }

  /** Chooses a key (declared or not), its type (mostly the declared one) and a payload. */
  private static void keyTypePayload(
      FuzzInput in,
      Function<String, ?> key,
      Function<String, ?> type,
      Function<ByteString, ?> payload) {
    int k = in.choice(KEYS.size() + 2);
    Declared declared = k < KEYS.size() ? KEYS.get(k) : KEYS.get(0);
    key.apply(
        k < KEYS.size() ? declared.key().name() : k == KEYS.size() ? "undeclared" : in.string());
    switch (in.choice(8)) {
      case 0 -> type.apply(in.string());
      case 1 -> type.apply(KEYS.get(in.choice(KEYS.size())).key().typeName());
      default -> type.apply(declared.key().typeName());
    }
    byte[] bytes;
    if (in.choice(4) == 0) {
      bytes = in.bytes();
    } else {
      bytes = declared.samples().get(in.choice(declared.samples().size())).clone();
      switch (in.choice(4)) {
        case 0 -> {} // as encoded
        case 1 -> {
          if (bytes.length > 0) {
            bytes[in.choice(Math.min(bytes.length, 256))] ^= (byte) in.nextByte();
          }
        }
        case 2 -> bytes = Arrays.copyOf(bytes, in.choice(bytes.length + 1));
        default -> {
          int at = in.choice(Math.min(bytes.length, 255) + 1);
          byte[] insert = in.bytes();
          byte[] out = new byte[bytes.length + insert.length];
          System.arraycopy(bytes, 0, out, 0, at);
          System.arraycopy(insert, 0, out, at, insert.length);
          System.arraycopy(bytes, at, out, at + insert.length, bytes.length - at);
          bytes = out;
        }
      }
    }
    payload.apply(ByteString.copyFrom(bytes));
  }

  /**
   * A finding of the fuzzer, fixed (its input is also in the replayed corpus): a batch of two
   * LWW-register deltas from {@code b} with the same stamp (timestamp and writer) and different
   * values. The engine prepared both merges against the same state, applied the first, and the
   * second threw {@link IllegalStateException} ("two different values with the same stamp") out of
   * {@code onMessage}: no typed refusal, and the first delta stayed applied while the batch was
   * neither acknowledged nor refused. Now the contradicting delta is refused alone ({@code
   * FORGED_EVENT}: a stamp is issued once), and the rest of the batch is acknowledged.
   */
  @Test
  void finding_lwwSameStampTwoValues_refusedNotThrown() throws IOException {
    try (InputStream in =
        getClass()
            .getResourceAsStream("ReplicationEngineFuzzTestFindings/lww-same-stamp-two-values")) {
      onMessage(in.readAllBytes());
    }
  }

  @Test
  void writeSeeds() {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    // Structured: mode 1, sender b (choice 2), version 1 (choice 1), sent_at NOW - 5 (choice 3).
    for (int k = 0; k < KEYS.size(); k++) {
      Declared d = KEYS.get(k);
      for (int s = 0; s < d.samples().size(); s++) {
        FuzzInputWriter w = header();
        w.choice(DELTAS).choice(3).choice(1); // first sequence 2, one delta
        w.choice(k).choice(2).choice(1).choice(s).choice(0); // key k, its type, sample s as is
        w.flag(true).nextLong(HlcTimestamp.of(NOW - 20, 0).packed());
        seeds.put("delta-" + d.key().name() + "-" + s, w.toByteArray());
      }
      FuzzInputWriter w = header();
      w.choice(FULL_STATE);
      w.choice(k).choice(2).choice(1).choice(d.samples().size() - 1).choice(0);
      w.choice(1).choice(1);
      seeds.put("full-state-" + d.key().name(), w.toByteArray());
      if (k == 0) {
        // The same chunk's key and transfer in an acknowledgement of one chunk, then a refusal.
        seeds.put("full-state-ack", fullStateAck(k).flag(false).toByteArray());
        seeds.put(
            "full-state-refused",
            fullStateAck(k).flag(true).choice(2).string("too big").flag(false).toByteArray());
      }
    }
    seeds.put(
        "handshake",
        header().choice(HANDSHAKE).choice(1).choice(1).flag(false).choice(1).toByteArray());
    seeds.put(
        "handshake-restarted",
        header().choice(HANDSHAKE).choice(1).choice(1).flag(false).choice(2).toByteArray());
    seeds.put("ack", header().choice(ACK).flag(false).choice(3).toByteArray());
    seeds.put("skip", header().choice(DELTAS).choice(2).choice(0).toByteArray());
    seeds.put(
        "reject",
        header().choice(REJECT).choice(5).string("no").flag(false).choice(2).toByteArray());
    seeds.put("digest-request", header().choice(DIGEST_REQUEST).toByteArray());
    seeds.put("digest-response", header().choice(DIGEST_RESPONSE).toByteArray());
    seeds.put("no-body", header().choice(NO_BODY).toByteArray());
    seeds.put(
        "far-future",
        new FuzzInputWriter()
            .choice(1)
            .choice(2)
            .choice(1)
            .choice(2)
            .nextInt(3_600_000)
            .choice(0)
            .choice(ACK)
            .flag(false)
            .choice(1)
            .toByteArray());
    seeds.put(
        "wrong-sender",
        new FuzzInputWriter()
            .choice(1)
            .choice(0)
            .choice(1)
            .choice(3)
            .choice(5)
            .choice(0)
            .choice(ACK)
            .flag(false)
            .choice(1)
            .toByteArray());
    seeds.put(
        "raw-ack",
        new FuzzInputWriter()
            .choice(0)
            .raw(validEnvelope().setAck(Ack.newBuilder().setUpToSequence(2)).build().toByteArray())
            .toByteArray());
    Corpus.write(getClass(), "onMessage", seeds);
  }

  /**
   * A full-state body of key {@code k} (its type, its first sample as is, chunk 0 of 1, transfer 1,
   * the honest total) turned into an acknowledgement of one chunk; a refusal follows or not.
   */
  private static FuzzInputWriter fullStateAck(int k) {
    return header()
        .choice(FULL_STATE)
        .choice(k)
        .choice(2)
        .choice(1)
        .choice(0)
        .choice(0)
        .choice(1)
        .choice(1)
        .choice(0)
        .choice(3)
        .choice(1)
        .choice(1);
  }

  private static FuzzInputWriter header() {
    return new FuzzInputWriter().choice(1).choice(2).choice(1).choice(3).choice(5).choice(0);
  }
}
