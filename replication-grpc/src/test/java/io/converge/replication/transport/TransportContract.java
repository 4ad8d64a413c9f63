package io.converge.replication.transport;

import static io.converge.replication.transport.Messages.numbered;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Handshake;
import io.converge.replication.wire.v1.Reject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Transport} must do on a healthy network (no injected faults), whatever its
 * implementation: the in-memory network ({@link InMemoryNetworkTransportTest}) today, the gRPC
 * transport later (an {@code *IT} extending this class). A subclass makes the transports and says
 * how to let them work; the tests never sleep: they wait for a condition, and prove that something
 * did not arrive by waiting for a later message on the same FIFO connection.
 */
abstract class TransportContract {

  final ReplicaId r1 = ReplicaId.of("r1");
  final ReplicaId r2 = ReplicaId.of("r2");
  final ReplicaId r3 = ReplicaId.of("r3");

  private final List<Transport> made = new ArrayList<>();
  private final List<RecordingListener> listeners = new ArrayList<>();

  /**
   * Makes the transport of {@code id}, not started. Transports made by one test know each other as
   * peers: {@code r1} and {@code r2} always, {@code r3} only if a test makes it.
   */
  abstract Transport newTransport(ReplicaId id);

  /**
   * Lets the transports work until {@code condition} holds: runs events for a simulated network,
   * waits with a deadline for a real one. Fails, naming {@code what}, if it never holds.
   */
  abstract void awaitUntil(String what, BooleanSupplier condition);

  private Transport make(ReplicaId id) {
    Transport transport = newTransport(id);
    made.add(transport);
    return transport;
  }

  private RecordingListener start(Transport transport, ReplicaId id) {
    RecordingListener listener = new RecordingListener(id);
    listeners.add(listener);
    transport.start(id, listener);
    return listener;
  }

  @AfterEach
  final void closeAndCheckCallbackOrder() {
    made.forEach(Transport::close);
    for (RecordingListener listener : listeners) {
      assertEquals(List.of(), listener.violations());
    }
  }

  private static List<Long> oneTo(int n) {
    return LongStream.rangeClosed(1, n).boxed().collect(Collectors.toList());
  }

  @Test
  void start_twoTransports_bothSeePeerUp() {
    RecordingListener l1 = start(make(r1), r1);
    RecordingListener l2 = start(make(r2), r2);

    awaitUntil("both up", () -> l1.isUp(r2) && l2.isUp(r1));
  }

  @Test
  void send_toConnectedPeer_deliversTheMessageFromThatPeer() {
    Transport t1 = make(r1);
    start(t1, r1);
    RecordingListener l2 = start(make(r2), r2);
    awaitUntil("r1 up at r2", () -> l2.isUp(r1));
    awaitUntil("r1 accepts", () -> t1.send(r2, numbered(r1, 1)));

    awaitUntil("delivered", () -> !l2.messages().isEmpty());

    assertEquals(List.of(1L), l2.numbersFrom(r1));
    assertEquals(numbered(r1, 1), l2.messages().get(0));
  }

  @Test
  void send_manyOnHealthyConnection_deliversEachOnceInOrder() {
    Transport t1 = make(r1);
    RecordingListener l1 = start(t1, r1);
    RecordingListener l2 = start(make(r2), r2);
    awaitUntil("both up", () -> l1.isUp(r2) && l2.isUp(r1));

    for (int i = 1; i <= 200; i++) {
      assertTrue(t1.send(r2, numbered(r1, i)), "message " + i);
    }
    awaitUntil("200 delivered", () -> l2.numbersFrom(r1).size() >= 200);

    assertEquals(oneTo(200), l2.numbersFrom(r1));
  }

  @Test
  void send_bothDirections_deliversEachToTheOtherSide() {
    Transport t1 = make(r1);
    Transport t2 = make(r2);
    RecordingListener l1 = start(t1, r1);
    RecordingListener l2 = start(t2, r2);
    awaitUntil("both up", () -> l1.isUp(r2) && l2.isUp(r1));

    assertTrue(t1.send(r2, numbered(r1, 1)));
    assertTrue(t2.send(r1, numbered(r2, 2)));
    awaitUntil("both delivered", () -> l1.messages().size() == 1 && l2.messages().size() == 1);

    assertEquals(List.of(2L), l1.numbersFrom(r2));
    assertEquals(List.of(1L), l2.numbersFrom(r1));
  }

  @Test
  void send_toUnknownPeerOrSelf_returnsFalse() {
    Transport t1 = make(r1);
    RecordingListener l1 = start(t1, r1);
    start(make(r2), r2);
    awaitUntil("r2 up", () -> l1.isUp(r2));

    assertFalse(t1.send(ReplicaId.of("nobody"), numbered(r1, 1)));
    assertFalse(t1.send(r1, numbered(r1, 1)));
  }

  @Test
  void send_largerThanMaxMessageBytes_returnsFalseAndSendsNothing() {
    Transport t1 = make(r1);
    RecordingListener l1 = start(t1, r1);
    RecordingListener l2 = start(make(r2), r2);
    awaitUntil("both up", () -> l1.isUp(r2) && l2.isUp(r1));
    Envelope tooLarge =
        Envelope.newBuilder()
            .setProtocolVersion(1)
            .setSender(r1.name())
            .setHandshake(Handshake.newBuilder().setCluster("x".repeat(t1.maxMessageBytes())))
            .build();

    assertTrue(tooLarge.getSerializedSize() > t1.maxMessageBytes());
    assertFalse(t1.send(r2, tooLarge));
    assertTrue(t1.send(r2, numbered(r1, 2)));
    awaitUntil("the later message", () -> !l2.messages().isEmpty());

    assertEquals(List.of(numbered(r1, 2)), l2.messages(), "FIFO: the large one never went");
  }

  @Test
  void close_peerSeesPeerDownAndClosedTransportRefusesSends() {
    Transport t1 = make(r1);
    RecordingListener l1 = start(t1, r1);
    RecordingListener l2 = start(make(r2), r2);
    awaitUntil("both up", () -> l1.isUp(r2) && l2.isUp(r1));

    t1.close();
    t1.close();

    awaitUntil("r1 down at r2", () -> !l2.isUp(r1));
    assertFalse(t1.send(r2, numbered(r1, 1)));
    assertTrue(l2.events().get(l2.events().size() - 1).startsWith("r2 down r1"));
  }

  @Test
  void disconnect_bothSidesSeeDownThenReconnect() {
    Transport t1 = make(r1);
    Transport t2 = make(r2);
    RecordingListener l1 = start(t1, r1);
    RecordingListener l2 = start(t2, r2);
    awaitUntil("both up", () -> l1.isUp(r2) && l2.isUp(r1));

    t2.disconnect(r1, Reject.Reason.MALFORMED, "test: bad bytes");

    awaitUntil("down on both sides", () -> downs(l1) == 1 && downs(l2) == 1);
    awaitUntil("up again on both sides", () -> l1.isUp(r2) && l2.isUp(r1));
    assertTrue(t1.send(r2, numbered(r1, 1)));
    awaitUntil("a message on the new connection", () -> l2.numbersFrom(r1).equals(List.of(1L)));
  }

  @Test
  void disconnect_peerNotConnected_doesNothing() {
    Transport t1 = make(r1);
    RecordingListener l1 = start(t1, r1);

    t1.disconnect(r2, Reject.Reason.MALFORMED, "nobody there");
    t1.disconnect(ReplicaId.of("unknown"), Reject.Reason.MALFORMED, "never a peer");

    assertEquals(List.of(), l1.events());
    assertThrows(NullPointerException.class, () -> t1.disconnect(r2, null, "a reason is required"));
  }

  private static long downs(RecordingListener l) {
    return l.events().stream().filter(e -> e.contains(" down ")).count();
  }

  @Test
  void start_twice_throwsIllegalState() {
    Transport t1 = make(r1);
    start(t1, r1);

    assertThrows(IllegalStateException.class, () -> t1.start(r1, new RecordingListener(r1)));
  }

  @Test
  void start_afterClose_throwsIllegalState() {
    Transport t1 = make(r1);
    t1.close();

    assertThrows(IllegalStateException.class, () -> t1.start(r1, new RecordingListener(r1)));
  }

  @Test
  void send_beforeStart_throwsIllegalState() {
    Transport t1 = make(r1);

    assertThrows(IllegalStateException.class, () -> t1.send(r2, numbered(r1, 1)));
  }

  @Test
  void maxMessageBytes_isPositive() {
    Transport t1 = make(r1);

    assertTrue(t1.maxMessageBytes() >= 1);
  }
}
