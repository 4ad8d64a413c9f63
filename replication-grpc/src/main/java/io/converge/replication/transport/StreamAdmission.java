package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import io.converge.replication.transport.GrpcTransport.Inbound;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.net.SocketAddress;
import java.util.Objects;

/**
 * The server side of {@code Exchange}: which streams become a peer's {@link Connection}. Below it,
 * {@link ConnectionGate} bounds TCP connections; here a stream is refused, counted through {@link
 * Transport.Listener#onConnectionRefused} and answered with a status, without touching the peer's
 * live session, when its caller is not a configured peer or (with TLS) its client certificate does
 * not name it ({@code UNTRUSTED_PEER}), when the caller is not the one of the pair that dials
 * ({@code WRONG_DIALLER}), or when the peer has a live stream over another connection ({@code
 * DUPLICATE_STREAM}). An accepted stream is answered with the transport's hello and must send its
 * handshake within the handshake timeout. Runs on gRPC's call executor. Thread-safe.
 */
final class StreamAdmission {

  private static final Context.Key<ReplicaId> CALLER = Context.key("converge-caller");
  private static final Context.Key<SocketAddress> REMOTE = Context.key("converge-remote");

  private final TransportRuntime rt;

  StreamAdmission(TransportRuntime rt) {
    this.rt = rt;
  }

  /**
   * The service, built by hand so that inbound bytes go through {@link InboundMarshaller}, behind
   * the interceptor that checks who calls.
   */
  ServerServiceDefinition service() {
    ServerServiceDefinition exchange =
        ServerServiceDefinition.builder(GrpcTransport.SERVICE_NAME)
            .addMethod(
                InboundMarshaller.serverMethod(rt.settings().maxMessageBytes()),
                ServerCalls.asyncBidiStreamingCall(this::accept))
            .build();
    return ServerInterceptors.intercept(exchange, new Authenticator());
  }

  /** Refuses a call before it becomes a stream: closes it with a status and reports it. */
  private <Q> ServerCall.Listener<Q> refuseCall(
      ServerCall<?, ?> call, Reject.Reason reason, String detail, Status status) {
    rt.refused(reason, detail);
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }

  /** Checks who calls before a stream is accepted. */
  private final class Authenticator implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String claimed = headers.get(GrpcTransport.REPLICA_KEY);
      ReplicaId caller = null;
      if (claimed != null) {
        try {
          caller = ReplicaId.of(claimed);
        } catch (RuntimeException e) {
          caller = null;
        }
      }
      SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      if (caller == null || rt.link(caller) == null) {
        String detail = "not a configured peer: " + claimed + " from " + remote;
        return refuseCall(
            call,
            Reject.Reason.UNTRUSTED_PEER,
            detail,
            Status.PERMISSION_DENIED.withDescription("not a configured peer: " + claimed));
      }
      if (rt.settings().tls() != null
          && !TlsMaterial.peerCertificateNames(
              call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), caller)) {
        String detail = "client certificate does not name replica " + claimed;
        return refuseCall(
            call,
            Reject.Reason.UNTRUSTED_PEER,
            detail + " (from " + remote + ")",
            Status.PERMISSION_DENIED.withDescription(detail));
      }
      ReplicaId self = rt.self();
      if (!TransportSettings.dials(caller, self)) {
        String detail =
            caller
                + " does not dial "
                + self
                + " (only the smaller id of a pair dials; "
                + self
                + " dials "
                + caller
                + ")";
        return refuseCall(
            call,
            Reject.Reason.WRONG_DIALLER,
            detail + ", stream from " + remote,
            Connection.statusOf(Reject.Reason.WRONG_DIALLER, detail));
      }
      return Contexts.interceptCall(
          Context.current().withValue(CALLER, caller).withValue(REMOTE, remote),
          call,
          headers,
          next);
    }
  }

  /**
   * A stream dialled by a peer with a smaller id. A peer has one stream at a time: a new one
   * replaces the live one only when it comes over the same connection (the dialler gave up the old
   * stream, whose cancellation may not be processed yet); from another connection it is refused
   * with {@code DUPLICATE_STREAM} while the live one lasts, so that nobody can take over a healthy
   * session by dialling again. Decided under the link's monitor, so two streams arriving together
   * are ordered. Inbound flow control is manual (see {@link Connection}): nothing is read until the
   * stream is accepted.
   */
  private StreamObserver<Inbound> accept(StreamObserver<Envelope> responses) {
    ReplicaId peer = CALLER.get();
    SocketAddress remote = REMOTE.get();
    PeerLink link = rt.link(peer);
    ServerCallStreamObserver<Envelope> out = (ServerCallStreamObserver<Envelope>) responses;
    out.disableAutoRequest();
    Connection c = new Connection(rt, link, out, remote);
    if (rt.closed()) {
      out.onError(Status.UNAVAILABLE.withDescription("replica closing").asRuntimeException());
      return c.inbound();
    }
    synchronized (link) {
      Connection live = link.current.get();
      if (live != null && !live.terminated.get() && !Objects.equals(live.remote, remote)) {
        String detail =
            peer
                + " already has a live stream from "
                + live.remote
                + "; refused one from "
                + remote;
        rt.refused(Reject.Reason.DUPLICATE_STREAM, detail);
        c.terminated.set(true);
        out.onError(
            Connection.statusOf(Reject.Reason.DUPLICATE_STREAM, detail).asRuntimeException());
        return c.inbound();
      }
      out.setOnReadyHandler(c::drain);
      out.setOnCancelHandler(() -> c.terminate("cancelled by peer", null));
      c.offerHello(rt.hello());
      link.up(c);
    }
    c.requestNext();
    c.awaitHandshake();
    return c.inbound();
  }
}
