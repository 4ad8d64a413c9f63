package io.converge.replication.transport;

import io.converge.replication.transport.GrpcTransport.Inbound;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import io.grpc.Status;
import io.grpc.stub.CallStreamObserver;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One {@code Exchange} stream to a peer, either side (accepted by {@link StreamAdmission} or
 * dialled by a {@link Dialler}), and its two flows.
 *
 * <h2>Outbound: a queue bounded in messages and bytes</h2>
 *
 * {@link #offer} queues an envelope and returns at once; the connection's serial {@code writes}
 * executor hands queued envelopes to gRPC while the stream {@code isReady()} (HTTP/2 flow control
 * lets it send) and resumes from the stream's on-ready handler. The queue holds at most {@code
 * outboundBufferMessages} envelopes and {@code outboundBufferBytes} serialized bytes: an envelope
 * that would exceed either is refused ({@code offer} returns false; the engine resends a refused
 * delta later), except that an envelope larger than the byte bound is accepted when the queue is
 * empty, so a maximum-size message is never starved. A peer that stops reading therefore fills its
 * own queue and nobody else's, and no thread ever waits for it.
 *
 * <h2>Inbound: manual flow control</h2>
 *
 * Auto-request is off on both sides: gRPC hands this connection a message only when asked, one at a
 * time. The connection asks for the next one as long as the messages it received and the listener
 * has not yet processed (returned from {@code onMessage}, on the peer's serial executor) are fewer
 * than {@value #INBOUND_BUFFER_MESSAGES} and hold fewer than {@value #INBOUND_BUFFER_BYTES}
 * serialized bytes; beyond, it asks again only when the listener has processed one. So a listener
 * that keeps up reads as fast as gRPC delivers (small envelopes, one per update, need many in
 * flight when thread hand-offs are slow), and one that falls behind holds at most those bounds plus
 * one message; what the peer sends beyond waits, unread, in gRPC's buffers within the HTTP/2
 * flow-control window, which this replica does not reopen until it reads: the peer's stream stops
 * being ready and its writes stall. A peer cannot grow this replica's memory by sending fast.
 *
 * <p>Thread-safe: {@code offer} from any thread; inbound callbacks on gRPC's call executor (one at
 * a time per stream); writes and termination on the {@code writes} executor.
 */
final class Connection {

  /**
   * The received messages awaiting the listener beyond which no more is requested: bounds the
   * per-envelope heap overhead of many small ones.
   */
  static final int INBOUND_BUFFER_MESSAGES = 256;

  /**
   * The serialized bytes of received messages awaiting the listener beyond which no more is
   * requested; one more message, of up to {@code maxMessageBytes}, may arrive on the last request.
   */
  static final long INBOUND_BUFFER_BYTES = 1024 * 1024;

  final PeerLink link;
  final CallStreamObserver<Envelope> out;
  final AtomicBoolean terminated = new AtomicBoolean();
  final AtomicBoolean deliverable = new AtomicBoolean();

  /** The peer's end of the connection (server side); null on the dialler's side. */
  final SocketAddress remote;

  volatile boolean live;

  /** Whether this side ended the stream for a protocol violation of the peer. */
  volatile boolean refused;

  /** Whether the peer's first envelope (after the transport's hello) arrived. */
  volatile boolean handshakeReceived;

  /** Whether this side queued its handshake: nothing else goes before it. */
  private volatile boolean handshakeSent;

  private final TransportRuntime rt;
  private final ConcurrentLinkedQueue<Envelope> queue = new ConcurrentLinkedQueue<>();
  private volatile Envelope hello;
  private final AtomicInteger queuedMessages = new AtomicInteger();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicInteger inboundPending = new AtomicInteger();
  private final AtomicLong inboundPendingBytes = new AtomicLong();

  /** Whether a message is requested from gRPC and not yet received: one at a time. */
  private final AtomicBoolean requested = new AtomicBoolean();

  private final SerialExecutor writes;

  Connection(
      TransportRuntime rt, PeerLink link, CallStreamObserver<Envelope> out, SocketAddress remote) {
    this.rt = rt;
    this.link = link;
    this.out = out;
    this.remote = remote;
    this.writes = new SerialExecutor(rt::pool);
  }

  /**
   * Ends the stream unless the peer's handshake arrives within the handshake timeout: a stream that
   * sends nothing does not hold the peer's place.
   */
  void awaitHandshake() {
    rt.schedule(
        () -> {
          if (!handshakeReceived && !terminated.get()) {
            refuse(
                Reject.Reason.HANDSHAKE_TIMEOUT,
                "no handshake within " + rt.settings().handshakeTimeout());
          }
        },
        rt.settings().handshakeTimeout());
  }

  /**
   * Sets the transport's hello, the server's first envelope, written before anything queued and
   * outside the queue's bounds: the engine's handshake, which follows it, is never refused for it.
   */
  void offerHello(Envelope hello) {
    this.hello = hello;
  }

  /**
   * Queues {@code e} for the peer, unless the connection is not up, a handshake must go first, or
   * the queue is full (see the class documentation). Never blocks.
   */
  boolean offer(Envelope e) {
    if (!live || terminated.get()) {
      return false;
    }
    boolean handshake = false;
    if (!handshakeSent) {
      if (e.getBodyCase() != Envelope.BodyCase.HANDSHAKE) {
        return false; // the peer would refuse it: a stream starts with a handshake
      }
      handshake = true;
    }
    int size = e.getSerializedSize();
    if (!reserve(size)) {
      return false;
    }
    if (handshake) {
      handshakeSent = true;
    }
    queue.add(e);
    drain();
    return true;
  }

  /** Takes room for one envelope of {@code size} bytes in the queue, if there is room. */
  private boolean reserve(int size) {
    if (queuedMessages.incrementAndGet() > rt.settings().outboundBufferMessages()) {
      queuedMessages.decrementAndGet();
      return false;
    }
    long limit = rt.settings().outboundBufferBytes();
    while (true) {
      long bytes = queuedBytes.get();
      if (bytes > 0 && bytes + size > limit) {
        queuedMessages.decrementAndGet();
        return false;
      }
      if (queuedBytes.compareAndSet(bytes, bytes + size)) {
        link.queuedBytes(bytes + size);
        return true;
      }
    }
  }

  /** Writes queued envelopes while the stream is ready, on the writes executor. */
  void drain() {
    writes.execute(
        () -> {
          if (terminated.get()) {
            return;
          }
          try {
            while (out.isReady()) {
              Envelope first = hello;
              if (first != null) {
                hello = null;
                out.onNext(first);
                continue;
              }
              Envelope e = queue.poll();
              if (e == null) {
                return;
              }
              queuedMessages.decrementAndGet();
              queuedBytes.addAndGet(-e.getSerializedSize());
              out.onNext(e);
            }
          } catch (RuntimeException ex) {
            terminate("write failed: " + ex, Status.fromThrowable(ex));
          }
        });
  }

  /** The serialized bytes queued now, not yet handed to gRPC. */
  long queuedBytes() {
    return queuedBytes.get();
  }

  /** The inbound messages received now and not yet processed by the listener. */
  int inboundPending() {
    return inboundPending.get();
  }

  /** The serialized bytes of the inbound messages received now and not yet processed. */
  long inboundPendingBytes() {
    return inboundPendingBytes.get();
  }

  /** Ends the stream (with {@code status}, unless it ended already) and reports the peer down. */
  void terminate(String reason, Status status) {
    if (!terminated.compareAndSet(false, true)) {
      return;
    }
    live = false;
    writes.execute(
        () -> {
          queue.clear();
          if (status == null) {
            return;
          }
          try {
            if (out instanceof ClientCallStreamObserver) {
              ((ClientCallStreamObserver<Envelope>) out)
                  .cancel(status.getDescription(), status.getCause());
            } else {
              out.onError(status.asRuntimeException());
            }
          } catch (RuntimeException ignored) {
            // the stream is gone already
          }
        });
    link.down(this, reason);
  }

  /**
   * Hands a message to the listener, or refuses it and ends the stream; the first envelope must be
   * a handshake. Called by gRPC, one message at a time, after this connection requested it.
   */
  void receive(Inbound in) {
    if (in.refused() != null) {
      requested.set(false);
      refuse(in.refused(), in.detail());
      return;
    }
    int size = in.envelope().getSerializedSize();
    link.inboundPending(inboundPending.incrementAndGet(), inboundPendingBytes.addAndGet(size));
    // Counted before the request is marked received, so a racing requestNext sees this message.
    requested.set(false);
    if (!handshakeReceived) {
      handshakeReceived = true;
      if (in.envelope().getBodyCase() != Envelope.BodyCase.HANDSHAKE) {
        refuse(
            Reject.Reason.NO_HANDSHAKE,
            "the first envelope of a stream must be a handshake, not "
                + in.envelope().getBodyCase());
        processed(size);
        return;
      }
    }
    link.message(this, in.envelope(), size);
    requestNext();
  }

  /**
   * A received message of {@code size} serialized bytes was processed: the listener is done with
   * it, or it was dropped. Asks gRPC for the next one if none is asked for and there is room.
   */
  void processed(int size) {
    inboundPending.decrementAndGet();
    inboundPendingBytes.addAndGet(-size);
    requestNext();
  }

  /**
   * Asks gRPC for the next message unless one is asked for already, the received ones awaiting the
   * listener fill the inbound bounds, or the stream ended. Called after every change of those, on
   * whichever thread made it, so the last of two racing calls sees both changes.
   */
  void requestNext() {
    if (terminated.get()
        || inboundPending.get() >= INBOUND_BUFFER_MESSAGES
        || inboundPendingBytes.get() >= INBOUND_BUFFER_BYTES
        || !requested.compareAndSet(false, true)) {
      return;
    }
    try {
      out.request(1);
    } catch (RuntimeException ignored) {
      // the stream is gone already
    }
  }

  /** Reports what the peer sent as refused and ends the stream with the matching status. */
  void refuse(Reject.Reason reason, String detail) {
    if (terminated.get()) {
      return;
    }
    refused = true;
    link.refused(this, reason, detail);
    terminate(reason + ": " + detail, statusOf(reason, detail));
  }

  /** What gRPC calls with the peer's messages (server side; the dialler has its own observer). */
  StreamObserver<Inbound> inbound() {
    return new StreamObserver<>() {
      @Override
      public void onNext(Inbound in) {
        receive(in);
      }

      @Override
      public void onError(Throwable t) {
        terminate(String.valueOf(Status.fromThrowable(t)), null);
      }

      @Override
      public void onCompleted() {
        if (!terminated.get()) {
          writes.execute(
              () -> {
                try {
                  out.onCompleted();
                } catch (RuntimeException ignored) {
                  // the stream is gone already
                }
              });
        }
        terminate("stream completed by peer", null);
      }
    };
  }

  /**
   * The gRPC status with which a stream ends when one side refuses what the other sent: {@code
   * RESOURCE_EXHAUSTED} for {@code OVERSIZED} and {@code CONNECTION_LIMIT}, {@code
   * FAILED_PRECONDITION} for {@code UNKNOWN_VERSION} and {@code STALE_INCARNATION}, {@code
   * PERMISSION_DENIED} for {@code UNTRUSTED_PEER} and {@code WRONG_DIALLER}, {@code ALREADY_EXISTS}
   * for {@code DUPLICATE_STREAM}, {@code DEADLINE_EXCEEDED} for {@code HANDSHAKE_TIMEOUT}, {@code
   * INVALID_ARGUMENT} otherwise; the description is {@code reason + ": " + detail}.
   */
  static Status statusOf(Reject.Reason reason, String detail) {
    Status status =
        switch (reason) {
          case OVERSIZED, CONNECTION_LIMIT -> Status.RESOURCE_EXHAUSTED;
          case UNKNOWN_VERSION, STALE_INCARNATION -> Status.FAILED_PRECONDITION;
          case UNTRUSTED_PEER, WRONG_DIALLER -> Status.PERMISSION_DENIED;
          case DUPLICATE_STREAM -> Status.ALREADY_EXISTS;
          case HANDSHAKE_TIMEOUT -> Status.DEADLINE_EXCEEDED;
          default -> Status.INVALID_ARGUMENT;
        };
    return status.withDescription(reason + ": " + detail);
  }
}
