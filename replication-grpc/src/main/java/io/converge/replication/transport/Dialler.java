package io.converge.replication.transport;

import io.converge.replication.transport.GrpcTransport.Inbound;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Dials one peer with a greater id over its channel, and redials with backoff whenever the stream
 * is lost, forever, until the transport closes. The dialler names itself in the {@value
 * GrpcTransport#REPLICA_HEADER} header; the peer is up once its hello arrives (an {@link Envelope}
 * with only its sender set, checked here and never passed to the listener) and, with TLS, once the
 * server's certificate is found to name the peer. Each attempt runs on the transport's timer; the
 * stream's callbacks on gRPC's call executor. Thread-safe.
 */
final class Dialler {

  private final TransportRuntime rt;
  private final PeerLink link;
  private final ManagedChannel managed;
  private final Channel channel;
  private final MethodDescriptor<Envelope, Inbound> method;
  private volatile boolean stopped;
  private volatile int attempt;

  /**
   * Streams in a row that ended for a protocol violation (either side refusing the other): the
   * backoff starts from here instead of zero when a stream comes up, so a peer that keeps sending
   * what this replica refuses (or the reverse) is retried less and less often.
   */
  private volatile int refusals;

  Dialler(TransportRuntime rt, PeerLink link, ManagedChannel channel) {
    this.rt = rt;
    this.link = link;
    this.managed = channel;
    this.method = InboundMarshaller.clientMethod(rt.settings().maxMessageBytes());
    Metadata headers = new Metadata();
    headers.put(GrpcTransport.REPLICA_KEY, rt.self().toString());
    this.channel =
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** Whether a stream that ended with {@code code} was ended for a protocol violation. */
  private static boolean isRefusal(Status.Code code) {
    return code == Status.Code.INVALID_ARGUMENT
        || code == Status.Code.ALREADY_EXISTS
        || code == Status.Code.RESOURCE_EXHAUSTED
        || code == Status.Code.FAILED_PRECONDITION
        || code == Status.Code.PERMISSION_DENIED;
  }

  /** Records how a stream ended, for the backoff after refusals. */
  private void ended(Connection c, Status status) {
    if ((c != null && c.refused) || isRefusal(status.getCode())) {
      refusals = Math.min(refusals + 1, 30);
    } else {
      refusals = 0;
    }
  }

  void stop() {
    stopped = true;
  }

  void dial() {
    if (stopped || rt.closed()) {
      return;
    }
    if (attempt > 0) {
      // This dialler's own backoff governs retries: without this, the channel keeps its own
      // connection backoff (up to 2 minutes) after refused connections, and calls fail fast
      // until it ends, so a peer back from a long partition would wait for it.
      managed.resetConnectBackoff();
    }
    ClientCall<Envelope, Inbound> call;
    try {
      call = channel.newCall(method, CallOptions.DEFAULT);
    } catch (RuntimeException e) {
      redial();
      return;
    }
    Stream stream = new Stream(call);
    try {
      ClientCalls.asyncBidiStreamingCall(call, stream);
    } catch (RuntimeException e) {
      redial();
      return;
    }
    stream.handshakeTimer.set(
        rt.schedule(
            () -> {
              if (!stream.greeted.get()) {
                stream
                    .conn
                    .get()
                    .terminate(
                        "no hello within " + rt.settings().handshakeTimeout(),
                        Status.DEADLINE_EXCEEDED.withDescription("handshake timeout"));
              }
            },
            rt.settings().handshakeTimeout()));
  }

  private void redial() {
    if (stopped || rt.closed()) {
      return;
    }
    int n = Math.min(attempt++, 30);
    long cap =
        Math.min(
            rt.settings().maxBackoff().toNanos(),
            rt.settings().initialBackoff().toNanos() << Math.min(n, 20));
    // "Equal jitter": half fixed, half random, so retries spread but never hammer.
    long delay = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
    rt.schedule(this::dial, Duration.ofNanos(delay));
  }

  /** One dialled stream: the hello check, then a {@link Connection} like the server's. */
  private final class Stream implements ClientResponseObserver<Envelope, Inbound> {
    final ClientCall<Envelope, Inbound> call;
    final AtomicReference<Connection> conn = new AtomicReference<>();
    final AtomicBoolean greeted = new AtomicBoolean();
    final AtomicReference<ScheduledFuture<?>> handshakeTimer = new AtomicReference<>();

    Stream(ClientCall<Envelope, Inbound> call) {
      this.call = call;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Envelope> requests) {
      // The hello; the connection asks for the rest (see Connection on inbound flow control).
      requests.disableAutoRequestWithInitial(1);
      Connection c = new Connection(rt, link, requests, null);
      conn.set(c);
      requests.setOnReadyHandler(c::drain);
    }

    @Override
    public void onNext(Inbound in) {
      Connection c = conn.get();
      if (!greeted.compareAndSet(false, true)) {
        c.receive(in);
        return;
      }
      ScheduledFuture<?> t = handshakeTimer.get();
      if (t != null) {
        t.cancel(false);
      }
      Envelope e = in.envelope();
      if (e == null
          || !e.getSender().equals(link.peer.toString())
          || e.getBodyCase() != Envelope.BodyCase.BODY_NOT_SET
          || rt.closed()) {
        c.refused = true;
        c.terminate(
            "unexpected hello from " + (e == null ? in.detail() : e.getSender()),
            Status.PERMISSION_DENIED.withDescription("expected a hello from " + link.peer));
        return;
      }
      if (rt.settings().tls() != null
          && !TlsMaterial.peerCertificateNames(
              call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), link.peer)) {
        c.refused = true;
        link.refusedBeforeUp(
            Reject.Reason.UNTRUSTED_PEER, "server certificate does not name replica " + link.peer);
        c.terminate(
            "server certificate does not name " + link.peer,
            Status.PERMISSION_DENIED.withDescription(
                "server certificate does not name replica " + link.peer));
        return;
      }
      attempt = refusals;
      link.up(c);
      c.awaitHandshake();
      c.requestNext();
      c.drain();
    }

    @Override
    public void onError(Throwable t) {
      Status status = Status.fromThrowable(t);
      ended(conn.get(), status);
      conn.get().terminate(String.valueOf(status), null);
      redial();
    }

    @Override
    public void onCompleted() {
      ended(conn.get(), Status.OK);
      conn.get().terminate("stream completed by peer", null);
      redial();
    }
  }
}
