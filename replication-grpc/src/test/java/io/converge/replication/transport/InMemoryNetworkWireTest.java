package io.converge.replication.transport;

import static io.converge.replication.transport.Messages.numbered;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The in-memory network carries bytes: what a replica receives was serialized and parsed by the
 * gRPC transport's inbound code, and bytes that code refuses are refused as the gRPC transport
 * refuses them.
 */
final class InMemoryNetworkWireTest {

  private final ReplicaId r1 = ReplicaId.of("r1");
  private final ReplicaId r2 = ReplicaId.of("r2");
  private final InMemoryNetwork network =
      InMemoryNetwork.builder()
          .seed(7)
          .maxMessageBytes(64)
          .reconnectDelay(Duration.ofSeconds(1))
          .build();
  private final Transport t1 = network.transport(r1);
  private final Transport t2 = network.transport(r2);
  private final RecordingListener l1 = new RecordingListener(r1);
  private final RecordingListener l2 = new RecordingListener(r2);

  private void startConnected() {
    t1.start(r1, l1);
    t2.start(r2, l2);
    network.runUntilQuiet(0);
  }

  @Test
  void send_receiverGetsAnEqualEnvelopeParsedFromBytes_notTheSentObject() {
    startConnected();
    Envelope sent = numbered(r1, 5);

    assertTrue(t1.send(r2, sent));
    network.runUntilQuiet(10);

    Envelope received = l2.messages().get(0);
    assertEquals(sent, received);
    assertNotSame(sent, received, "the envelope crossed the network as bytes");
  }

  @Test
  void sendBytes_ofAnEnvelope_deliveredAsThatEnvelope() {
    startConnected();

    assertTrue(network.sendBytes(t1, r2, numbered(r1, 9).toByteArray()));
    network.runUntilQuiet(10);

    assertEquals(List.of(9L), l2.numbersFrom(r1));
    assertEquals(1, network.stats().delivered());
  }

  @Test
  void sendBytes_notAnEnvelope_refusedMalformedOnArrival_thenTheConnectionGoesDown() {
    startConnected();

    assertTrue(network.sendBytes(t1, r2, new byte[] {(byte) 0xff, 0x01, 0x02}));
    network.runUntilQuiet(10);

    assertEquals(1, l2.refusals(Reject.Reason.MALFORMED));
    List<String> receiver = l2.events();
    assertEquals("r2 refused r1 MALFORMED", receiver.get(receiver.size() - 2));
    assertTrue(receiver.get(receiver.size() - 1).startsWith("r2 down r1 refused by r2: MALFORMED"));
    assertTrue(l1.events().get(l1.events().size() - 1).startsWith("r1 down r2 refused by r2"));
    assertEquals(List.of(), l2.messages(), "nothing of it reached the listener");
    assertEquals(1, network.stats().droppedRefused());
    assertEquals(0, network.stats().inFlight());
    assertFalse(t1.send(r2, numbered(r1, 1)), "the connection is down");
    assertEquals(List.of(), l1.violations());
    assertEquals(List.of(), l2.violations());
  }

  @Test
  void sendBytes_refused_linkComesBackAfterTheReconnectDelay() {
    startConnected();
    network.sendBytes(t1, r2, new byte[] {(byte) 0xff});
    network.runUntilQuiet(10);

    network.advance(Duration.ofMillis(999));
    assertFalse(network.isConnected(r1, r2));
    network.advance(Duration.ofMillis(1));

    assertTrue(network.isConnected(r1, r2));
    assertTrue(t1.send(r2, numbered(r1, 2)));
    network.runUntilQuiet(10);
    assertEquals(List.of(2L), l2.numbersFrom(r1));
  }

  @Test
  void sendBytes_overTheReceiversLimit_refusedOversizedBeforeParsing() {
    startConnected();
    byte[] big = new byte[65];

    assertTrue(network.sendBytes(t1, r2, big), "the sender's side does not check the size");
    network.runUntilQuiet(10);

    assertEquals(1, l2.refusals(Reject.Reason.OVERSIZED));
    assertEquals(0, network.stats().oversized(), "not refused at the sender");
    assertEquals(1, network.stats(r1, r2).droppedRefused());
  }

  @Test
  void sendBytes_copiesTheBytes() {
    startConnected();
    byte[] bytes = numbered(r1, 3).toByteArray();
    byte[] original = bytes.clone();

    network.sendBytes(t1, r2, bytes);
    bytes[bytes.length - 1] = (byte) 0xff;
    network.runUntilQuiet(10);

    assertEquals(List.of(3L), l2.numbersFrom(r1));
    assertArrayEquals(original, l2.messages().get(0).toByteArray());
  }

  @Test
  void sendBytes_notConnected_refusedAndCounted() {
    startConnected();
    network.partition(java.util.Set.of(r1), java.util.Set.of(r2));

    assertFalse(network.sendBytes(t1, r2, new byte[] {1}));
    assertEquals(1, network.stats().refused());
  }

  @Test
  void sendBytes_fromATransportOfAnotherNetwork_throwsIllegalArgument() {
    Transport stranger = InMemoryNetwork.builder().build().transport(r1);

    assertThrows(
        IllegalArgumentException.class, () -> network.sendBytes(stranger, r2, new byte[0]));
  }

  @Test
  void sendBytes_beforeStart_throwsIllegalState() {
    assertThrows(IllegalStateException.class, () -> network.sendBytes(t1, r2, new byte[0]));
  }
}
