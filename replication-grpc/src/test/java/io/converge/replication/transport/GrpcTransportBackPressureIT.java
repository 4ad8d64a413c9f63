package io.converge.replication.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Handshake;
import io.converge.replication.wire.v1.ReplicationGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.CallStreamObserver;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Back-pressure of {@link GrpcTransport} over real gRPC on loopback (issue 14): a peer that floods
 * a replica whose listener is stuck is stalled by flow control, on either side of the stream, while
 * the messages received and not processed stay within {@link Connection#INBOUND_BUFFER_MESSAGES}
 * and {@link Connection#INBOUND_BUFFER_BYTES} (and one message); a stalled peer fills only its own
 * outbound queue, which is bounded in bytes, while another peer's link goes on; an envelope larger
 * than the byte bound goes through an empty queue. The floods are hand-made gRPC peers speaking the
 * protocol; every wait is on a condition, with a 30 s deadline.
 */
final class GrpcTransportBackPressureIT {

  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final int PAD = 16 * 1024;

  /**
   * More than a flooder can get out while nobody reads: gRPC's HTTP/2 window, which its BDP tuning
   * grows to 8 MiB at the most, is about 512 envelopes of {@link #PAD} bytes.
   */
  private static final int FLOOD = 1_200;

  private final ReplicaId r0 = ReplicaId.of("r0");
  private final ReplicaId r1 = ReplicaId.of("r1");
  private final ReplicaId r2 = ReplicaId.of("r2");
  private final ReplicaId r3 = ReplicaId.of("r3");
  private final CountDownLatch gate = new CountDownLatch(1);
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<RecordingListener> listeners = new ArrayList<>();
  private final Set<String> listenerThreads = ConcurrentHashMap.newKeySet();

  @AfterEach
  void tearDown() throws Exception {
    gate.countDown();
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    for (RecordingListener l : listeners) {
      assertEquals(List.of(), l.violations());
    }
  }

  private static void await(Supplier<String> what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + DEADLINE + ": " + what.get());
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }

  /** A listener that records, and blocks in every {@code onMessage} while {@link #gate} is shut. */
  private RecordingListener stuck(ReplicaId self) {
    RecordingListener l =
        new RecordingListener(self)
            .reacting(
                (from, message) -> {
                  listenerThreads.add(Thread.currentThread().getName());
                  try {
                    gate.await(DEADLINE.toNanos() * 2, TimeUnit.NANOSECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    listeners.add(l);
    return l;
  }

  private RecordingListener recording(ReplicaId self) {
    RecordingListener l = new RecordingListener(self);
    listeners.add(l);
    return l;
  }

  private GrpcTransport start(GrpcTransport.Builder b, ReplicaId self, RecordingListener l) {
    GrpcTransport t =
        b.plaintext().reconnectBackoff(Duration.ofMillis(20), Duration.ofSeconds(1)).build();
    closeables.add(t);
    t.start(self, l);
    return t;
  }

  /**
   * A numbered envelope (see {@link Messages}) from {@code sender}, padded to {@code pad} bytes.
   */
  private static Envelope padded(ReplicaId sender, long n, int pad) {
    return Envelope.newBuilder()
        .setProtocolVersion(1)
        .setSender(sender.name())
        .setHandshake(Handshake.newBuilder().setIncarnation(n).setCluster("x".repeat(pad)))
        .build();
  }

  private static List<Long> zeroTo(long n) {
    return LongStream.rangeClosed(0, n).boxed().collect(Collectors.toList());
  }

  @Test
  void floodingDialler_receiverListenerStuck_flooderStalled_pendingBytesBounded() {
    floodR2From(new Flooder(r0, FLOOD, PAD));
  }

  @Test
  void floodingDialler_smallEnvelopes_flooderStalled_pendingMessagesBounded() {
    // 1 KiB envelopes: the count bound is reached first, and 12 000 overflow an 8 MiB window.
    floodR2From(new Flooder(r0, 12_000, 1024));
  }

  /** r0, a hand-made dialler, floods r2, whose listener is stuck. */
  private void floodR2From(Flooder flooder) {
    RecordingListener l2 = stuck(r2);
    GrpcTransport t2 = start(GrpcTransport.builder().acceptFrom("r0"), r2, l2);
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", t2.port(), InsecureChannelCredentials.create())
            .build();
    closeables.add(channel::shutdownNow);
    Metadata headers = new Metadata();
    headers.put(GrpcTransport.REPLICA_KEY, "r0");
    ReplicationGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .exchange(flooder.clientSide());
    flooder.start();

    assertBackPressured(flooder, () -> t2.link(r0), r2, l2, r0);
  }

  @Test
  void floodingServer_diallerListenerStuck_flooderStalled_pendingBounded() throws Exception {
    Flooder flooder = new Flooder(r2, FLOOD, PAD);
    Server server =
        NettyServerBuilder.forAddress(
                new InetSocketAddress("127.0.0.1", 0), InsecureServerCredentials.create())
            .addService(
                new ReplicationGrpc.ReplicationImplBase() {
                  @Override
                  public StreamObserver<Envelope> exchange(StreamObserver<Envelope> responses) {
                    return flooder.serverSide((ServerCallStreamObserver<Envelope>) responses);
                  }
                })
            .build()
            .start();
    closeables.add(server::shutdownNow);
    RecordingListener l1 = stuck(r1);
    GrpcTransport t1 =
        start(GrpcTransport.builder().peer("r2", "127.0.0.1:" + server.getPort()), r1, l1);

    assertBackPressured(flooder, () -> t1.link(r2), r1, l1, r2);
  }

  /**
   * Waits until the flooder stalls (it is not ready and the receiver holds all it requested) or has
   * sent everything; checks that it stalled within the HTTP/2 window and that the receiver never
   * held more than its window of unprocessed messages; then unblocks the receiver and checks that
   * every message arrives, in order, on the transport's own threads.
   */
  private void assertBackPressured(
      Flooder flooder,
      Supplier<PeerLink> link,
      ReplicaId at,
      RecordingListener receiver,
      ReplicaId from) {
    await(
        () -> "neither stalled nor done: " + flooder + ", " + pending(link.get()),
        () ->
            flooder.done()
                || (flooder.stalled()
                    && (link.get().inboundPending() >= Connection.INBOUND_BUFFER_MESSAGES
                        || link.get().inboundPendingBytes() >= Connection.INBOUND_BUFFER_BYTES)));

    assertFalse(flooder.done(), () -> "never back-pressured: " + flooder);
    // What a stalled flooder can have sent: the HTTP/2 window, what this side read, its own buffer.
    long stalledBytes =
        8L * 1024 * 1024 + Connection.INBOUND_BUFFER_BYTES + 4L * flooder.size() + 64 * 1024;
    assertTrue(flooder.bytes() <= stalledBytes, () -> "stalled too late: " + flooder);
    assertEquals(1, receiver.messages().size(), "the listener is stuck in the first message");
    assertPendingBounded(link.get(), flooder);

    gate.countDown();
    await(
        () -> "not all delivered: " + receiver.messages().size() + ", " + flooder,
        () -> receiver.messages().size() == flooder.count + 1);
    assertEquals(zeroTo(flooder.count), receiver.numbersFrom(from));
    assertEquals(
        Set.of("converge-grpc-" + at + "-callbacks"),
        listenerThreads,
        "the listener runs on the transport's pool, never on a gRPC or Netty thread");
    assertPendingBounded(link.get(), flooder);
  }

  /** The received messages awaiting the listener never exceeded the inbound bounds. */
  private static void assertPendingBounded(PeerLink link, Flooder flooder) {
    assertTrue(
        link.inboundPendingMax() <= Connection.INBOUND_BUFFER_MESSAGES,
        () -> "received and not processed: " + pending(link));
    assertTrue(
        link.inboundPendingBytesMax() < Connection.INBOUND_BUFFER_BYTES + flooder.size(),
        () -> "received and not processed: " + pending(link));
  }

  private static String pending(PeerLink link) {
    return "pending "
        + link.inboundPending()
        + " messages of "
        + link.inboundPendingBytes()
        + " bytes (at most "
        + link.inboundPendingMax()
        + " and "
        + link.inboundPendingBytesMax()
        + ")";
  }

  @Test
  void stalledPeer_fillsOnlyItsOwnQueue_otherPeerServed_refusedUntilDrained() {
    long bound = 64 * 1024;
    RecordingListener l1 = recording(r1);
    RecordingListener l2 = stuck(r2);
    RecordingListener l3 = recording(r3);
    GrpcTransport t2 = start(GrpcTransport.builder().acceptFrom("r1"), r2, l2);
    GrpcTransport t3 = start(GrpcTransport.builder().acceptFrom("r1"), r3, l3);
    GrpcTransport t1 =
        start(
            GrpcTransport.builder()
                .outboundBufferBytes(bound)
                .peer("r2", "127.0.0.1:" + t2.port())
                .peer("r3", "127.0.0.1:" + t3.port()),
            r1,
            l1);
    await(
        () -> "not all up: " + l1.events(),
        () -> l1.isUp(r2) && l1.isUp(r3) && l2.isUp(r1) && l3.isUp(r1));

    // r2's listener is stuck in the first message: r1 sends to it until its queue stays full.
    AtomicInteger accepted = new AtomicInteger();
    await(
        () -> "never refused: " + accepted + " accepted, " + t1.link(r2).queuedBytes() + " queued",
        () -> {
          while (t1.send(r2, padded(r1, accepted.get(), PAD))) {
            accepted.incrementAndGet();
          }
          return t1.link(r2).queuedBytes() > bound - PAD;
        });
    assertTrue(
        t1.link(r2).queuedBytesMax() <= bound,
        () -> "queued beyond the bound: " + t1.link(r2).queuedBytesMax());

    // Meanwhile r3 is served: every send accepted at once and delivered, in order.
    for (int i = 0; i < 200; i++) {
      assertTrue(t1.send(r3, Messages.numbered(r1, i)), "send " + i + " to the healthy peer");
    }
    await(() -> "r3 got " + l3.messages().size(), () -> l3.messages().size() == 200);
    assertEquals(zeroTo(199), l3.numbersFrom(r1));
    assertEquals(1, l2.messages().size(), "r2 was stuck all along");

    // r2 recovers: its queue drains, sends are accepted again, and everything accepted arrives.
    gate.countDown();
    await(
        () -> "still refused: " + t1.link(r2).queuedBytes() + " queued",
        () -> {
          if (t1.send(r2, padded(r1, accepted.get(), PAD))) {
            accepted.incrementAndGet();
            return true;
          }
          return false;
        });
    await(
        () -> "r2 got " + l2.messages().size() + " of " + accepted,
        () -> l2.messages().size() == accepted.get());
    assertEquals(zeroTo(accepted.get() - 1), l2.numbersFrom(r1));
    assertTrue(
        t1.link(r2).queuedBytesMax() <= bound,
        () -> "queued beyond the bound: " + t1.link(r2).queuedBytesMax());
  }

  @Test
  void envelopeLargerThanByteBound_emptyQueue_accepted() {
    int bound = 4 * 1024;
    RecordingListener l1 = recording(r1);
    RecordingListener l2 = recording(r2);
    GrpcTransport t2 =
        start(GrpcTransport.builder().maxMessageBytes(256 * 1024).acceptFrom("r1"), r2, l2);
    GrpcTransport t1 =
        start(
            GrpcTransport.builder()
                .maxMessageBytes(256 * 1024)
                .outboundBufferBytes(bound)
                .peer("r2", "127.0.0.1:" + t2.port()),
            r1,
            l1);
    await(() -> "not up: " + l1.events(), () -> l1.isUp(r2));
    assertTrue(t1.send(r2, Messages.numbered(r1, 0)));
    await(() -> "handshake not written", () -> t1.link(r2).queuedBytes() == 0);

    Envelope large = padded(r1, 1, 100 * 1024);
    assertTrue(large.getSerializedSize() > bound);
    assertTrue(t1.send(r2, large), "a large envelope on an empty queue is accepted");

    await(() -> "r2 got " + l2.messages().size(), () -> l2.messages().size() == 2);
    assertEquals(large, l2.messages().get(1));
  }

  /**
   * A hand-made peer that sends a handshake and then {@code count} padded envelopes as fast as its
   * stream is ready, from its own thread, on either side of a stream; it reads nothing.
   */
  private final class Flooder implements Runnable {
    private final ReplicaId self;
    private final int count;
    private final int pad;
    private final Object readiness = new Object();
    private final AtomicInteger sent = new AtomicInteger();
    private volatile CallStreamObserver<Envelope> out;
    private volatile boolean stopped;

    Flooder(ReplicaId self, int count, int pad) {
      this.self = self;
      this.count = count;
      this.pad = pad;
      closeables.add(() -> stopped = true);
    }

    /** The dialling side: the client's observer of the stream, which reads and ignores. */
    ClientResponseObserver<Envelope, Envelope> clientSide() {
      return new Ignoring();
    }

    /** The server side: answers with the transport's hello, then floods. */
    StreamObserver<Envelope> serverSide(ServerCallStreamObserver<Envelope> responses) {
      responses.onNext(Envelope.newBuilder().setSender(self.name()).build());
      attach(responses);
      start();
      return new Ignoring();
    }

    /** Ignores what the other side sends; attaches to the stream when it is a client's. */
    private final class Ignoring implements ClientResponseObserver<Envelope, Envelope> {
      @Override
      public void beforeStart(ClientCallStreamObserver<Envelope> requests) {
        attach(requests);
      }

      @Override
      public void onNext(Envelope value) {}

      @Override
      public void onError(Throwable t) {
        stopped = true;
      }

      @Override
      public void onCompleted() {
        stopped = true;
      }
    }

    private void attach(CallStreamObserver<Envelope> stream) {
      out = stream;
      stream.setOnReadyHandler(
          () -> {
            synchronized (readiness) {
              readiness.notifyAll();
            }
          });
    }

    /**
     * Starts flooding from its own thread; once the call has started (a client's stream must not be
     * written or asked for readiness from {@code beforeStart}: the flood then died at once).
     */
    void start() {
      Thread t = new Thread(this, "flooder-" + self);
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void run() {
      try {
        while (!stopped && sent.get() <= count) {
          synchronized (readiness) {
            while (!out.isReady() && !stopped) {
              readiness.wait(100);
            }
          }
          if (!stopped) {
            out.onNext(padded(self, sent.get(), pad));
            sent.incrementAndGet();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Whether it sent its handshake and the whole flood. */
    boolean done() {
      return sent.get() == count + 1;
    }

    /** Whether its stream is not ready: flow control holds it back. */
    boolean stalled() {
      CallStreamObserver<Envelope> o = out;
      return o != null && !o.isReady() && sent.get() > 0;
    }

    /** The serialized bytes it sent. */
    long bytes() {
      return (long) sent.get() * size();
    }

    /** The serialized size of one of its envelopes (the largest: its numbers only grow). */
    int size() {
      return padded(self, count, pad).getSerializedSize();
    }

    @Override
    public String toString() {
      return "flooder " + self + ": sent " + sent + " (" + bytes() + " bytes), ready " + !stalled();
    }
  }
}
