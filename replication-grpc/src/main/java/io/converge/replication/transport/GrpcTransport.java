package io.converge.replication.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import io.converge.replication.wire.v1.ReplicationGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.CallStreamObserver;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A {@link Transport} over gRPC bidirectional streaming on Netty ({@code grpc-netty-shaded}): one
 * {@code Replication.Exchange} stream per pair of peers. Made by {@link #builder()}; pass it to
 * {@code Replica.builder().transport(...)}, which starts and closes it:
 *
 * <pre>{@code
 * GrpcTransport transport =
 *     GrpcTransport.builder()
 *         .listen("0.0.0.0", 7001)
 *         .peer("eu-west", "eu-west.example.com:7001")
 *         .tls(certChainPem, privateKeyPem, trustedCaPem)
 *         .build();
 * try (Replica us = Replica.builder().replicaId("us-east").transport(transport).start()) { ... }
 * }</pre>
 *
 * <h2>Connections</h2>
 *
 * Each replica runs a server; of each pair of replicas only the one with the smaller id (in {@link
 * ReplicaId} order) dials the other, so a pair never has two streams. The dialler names itself in
 * the {@value #REPLICA_HEADER} request header; the server accepts the stream only from a configured
 * peer (with TLS, only if the client certificate's subject CN or a DNS subject alternative name
 * equals that id: {@code PERMISSION_DENIED} otherwise) and answers with a transport-level hello (an
 * {@link Envelope} with only its {@code sender} set) that the dialler checks and never passes to
 * the engine. A peer is up on the server when it accepts the stream and on the dialler when the
 * hello arrives; it is down when the stream fails or ends. A dialler retries a failed or lost
 * stream with exponential backoff and full jitter, forever, so peers may start in any order. A new
 * stream from a peer replaces that peer's old one (a restarted peer whose old connection is not yet
 * known to be dead).
 *
 * <h2>Limits</h2>
 *
 * {@link #send} refuses an envelope larger than {@link Builder#maxMessageBytes} (the server and the
 * channel also refuse to receive one: the stream fails with {@code RESOURCE_EXHAUSTED}, and only
 * that stream) and refuses when the peer's bounded outbound buffer is full. Writes respect gRPC
 * flow control: a slow peer fills its buffer, not this replica's heap. Keepalive pings detect dead
 * connections; a dialled stream that gets no hello within the handshake timeout is cancelled.
 *
 * <h2>Health</h2>
 *
 * The server also runs the standard gRPC health service ({@code grpc.health.v1.Health}): {@code
 * SERVING} for the empty service name and for {@value #SERVICE_NAME} while the transport runs,
 * {@code NOT_SERVING} once it closes.
 *
 * <h2>Threading</h2>
 *
 * Thread-safe. Listener callbacks of one peer run one at a time, in order, on a per-peer serial
 * executor over a shared pool; callbacks of different peers may run concurrently.
 */
public final class GrpcTransport implements Transport {

  /** The request header in which the dialling replica names itself. */
  public static final String REPLICA_HEADER = "converge-replica";

  /** The gRPC service name of the replication stream, as the health service reports it. */
  public static final String SERVICE_NAME = ReplicationGrpc.SERVICE_NAME;

  static final Metadata.Key<String> REPLICA_KEY =
      Metadata.Key.of(REPLICA_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<ReplicaId> CALLER = Context.key("converge-caller");

  private final String host;
  private final int port;
  private final Map<ReplicaId, String> peerAddresses;
  private final Tls tls;
  private final int maxMessageBytes;
  private final int outboundBufferMessages;
  private final Duration keepAliveTime;
  private final Duration keepAliveTimeout;
  private final Duration handshakeTimeout;
  private final Duration initialBackoff;
  private final Duration maxBackoff;

  private final Object lifecycle = new Object();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Map<ReplicaId, PeerLink> links = new LinkedHashMap<>();
  private final HealthStatusManager health = new HealthStatusManager();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private volatile ReplicaId self;
  private volatile Listener listener;
  private Server server;
  private ExecutorService pool;
  private ScheduledExecutorService timer;

  private GrpcTransport(Builder b) {
    this.host = b.host;
    this.port = b.port;
    this.peerAddresses = new LinkedHashMap<>(b.peers);
    this.tls = b.tls;
    this.maxMessageBytes = b.maxMessageBytes;
    this.outboundBufferMessages = b.outboundBufferMessages;
    this.keepAliveTime = b.keepAliveTime;
    this.keepAliveTimeout = b.keepAliveTimeout;
    this.handshakeTimeout = b.handshakeTimeout;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
  }

  /**
   * Returns a new builder. Choosing {@link Builder#tls} or {@link Builder#plaintext()} is required.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void start(ReplicaId self, Listener listener) {
    Objects.requireNonNull(self, "self");
    Objects.requireNonNull(listener, "listener");
    synchronized (lifecycle) {
      if (closed.get() || this.self != null) {
        throw new IllegalStateException("already started or closed");
      }
      if (peerAddresses.containsKey(self)) {
        throw new IllegalArgumentException("a replica is not its own peer: self=" + self);
      }
      for (Map.Entry<ReplicaId, String> e : peerAddresses.entrySet()) {
        if (dials(self, e.getKey()) && e.getValue() == null) {
          throw new IllegalArgumentException(
              "peer " + e.getKey() + " has a greater id than " + self + ": give its address");
        }
      }
      this.self = self;
      this.listener = listener;
      this.pool =
          Executors.newCachedThreadPool(
              r -> daemon(r, "converge-grpc-" + self.toString() + "-callbacks"));
      this.timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> daemon(r, "converge-grpc-" + self.toString() + "-timer"));
      for (ReplicaId peer : peerAddresses.keySet()) {
        links.put(peer, new PeerLink(peer));
      }
      NettyServerBuilder sb =
          NettyServerBuilder.forAddress(new InetSocketAddress(host, port), serverCredentials())
              .maxInboundMessageSize(hardInboundLimit())
              .keepAliveTime(keepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
              .keepAliveTimeout(keepAliveTimeout.toNanos(), TimeUnit.NANOSECONDS)
              .permitKeepAliveTime(
                  Math.min(keepAliveTime.toNanos(), TimeUnit.SECONDS.toNanos(10)),
                  TimeUnit.NANOSECONDS)
              .permitKeepAliveWithoutCalls(true)
              .addService(ServerInterceptors.intercept(serviceDefinition(), new Authenticator()))
              .addService(health.getHealthService());
      try {
        server = sb.build().start();
      } catch (IOException e) {
        pool.shutdownNow();
        timer.shutdownNow();
        throw new UncheckedIOException("cannot listen on " + host + ":" + port, e);
      }
      health.setStatus("", ServingStatus.SERVING);
      health.setStatus(SERVICE_NAME, ServingStatus.SERVING);
      ChannelCredentials creds = channelCredentials();
      for (PeerLink link : links.values()) {
        if (dials(self, link.peer)) {
          ManagedChannel channel =
              NettyChannelBuilder.forTarget(peerAddresses.get(link.peer), creds)
                  .maxInboundMessageSize(hardInboundLimit())
                  .keepAliveTime(keepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
                  .keepAliveTimeout(keepAliveTimeout.toNanos(), TimeUnit.NANOSECONDS)
                  .keepAliveWithoutCalls(true)
                  .build();
          channels.add(channel);
          link.dialler = new Dialler(link, channel);
          timer.execute(link.dialler::dial);
        }
      }
    }
  }

  /**
   * Returns the port the server listens on: the configured one, or the one the system chose for
   * port 0.
   *
   * @return the bound port
   * @throws IllegalStateException if the transport is not started
   */
  public int port() {
    synchronized (lifecycle) {
      if (server == null) {
        throw new IllegalStateException("not started");
      }
      return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }
  }

  @Override
  public boolean send(ReplicaId peer, Envelope message) {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(message, "message");
    if (self == null) {
      throw new IllegalStateException("not started");
    }
    if (closed.get() || message.getSerializedSize() > maxMessageBytes) {
      return false;
    }
    PeerLink link = links.get(peer);
    if (link == null) {
      return false;
    }
    Connection c = link.current.get();
    return c != null && c.offer(message);
  }

  @Override
  public void disconnect(ReplicaId peer, Reject.Reason reason, String detail) {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
    if (self == null) {
      throw new IllegalStateException("not started");
    }
    PeerLink link = links.get(peer);
    Connection c = link == null ? null : link.current.get();
    if (c != null) {
      c.refused = true;
      c.terminate("disconnected: " + reason + ": " + detail, statusOf(reason, detail));
    }
  }

  @Override
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  @Override
  public Set<ReplicaId> peers() {
    return Set.copyOf(peerAddresses.keySet());
  }

  /**
   * The gRPC status with which a stream ends when one side refuses what the other sent: {@code
   * RESOURCE_EXHAUSTED} for {@code OVERSIZED}, {@code FAILED_PRECONDITION} for {@code
   * UNKNOWN_VERSION}, {@code PERMISSION_DENIED} for {@code UNTRUSTED_PEER}, {@code
   * INVALID_ARGUMENT} otherwise; the description is {@code reason + ": " + detail}.
   */
  static Status statusOf(Reject.Reason reason, String detail) {
    Status status =
        switch (reason) {
          case OVERSIZED -> Status.RESOURCE_EXHAUSTED;
          case UNKNOWN_VERSION -> Status.FAILED_PRECONDITION;
          case UNTRUSTED_PEER -> Status.PERMISSION_DENIED;
          default -> Status.INVALID_ARGUMENT;
        };
    return status.withDescription(reason + ": " + detail);
  }

  /** Whether a stream that ended with {@code code} was ended for a protocol violation. */
  private static boolean isRefusal(Status.Code code) {
    return code == Status.Code.INVALID_ARGUMENT
        || code == Status.Code.RESOURCE_EXHAUSTED
        || code == Status.Code.FAILED_PRECONDITION
        || code == Status.Code.PERMISSION_DENIED;
  }

  /**
   * The server side of {@code Exchange}, built by hand so that inbound bytes go through {@link
   * InboundMarshaller}: bytes that are not an envelope become a refusal this transport reports and
   * answers with a status, instead of an error deep in gRPC that the peer sees as a bare {@code
   * CANCELLED}.
   */
  private ServerServiceDefinition serviceDefinition() {
    MethodDescriptor<Inbound, Envelope> method =
        ReplicationGrpc.getExchangeMethod().toBuilder(
                new InboundMarshaller(), ProtoUtils.marshaller(Envelope.getDefaultInstance()))
            .build();
    return ServerServiceDefinition.builder(SERVICE_NAME)
        .addMethod(method, ServerCalls.asyncBidiStreamingCall(this::accept))
        .build();
  }

  /** The client side of {@code Exchange}, with the same marshalling of what comes back. */
  private MethodDescriptor<Envelope, Inbound> clientMethod() {
    return ReplicationGrpc.getExchangeMethod().toBuilder(
            ProtoUtils.marshaller(Envelope.getDefaultInstance()), new InboundMarshaller())
        .build();
  }

  /** What arrived on a stream: an envelope, or the reason its bytes were refused. */
  record Inbound(Envelope envelope, Reject.Reason refused, String detail) {}

  /**
   * Reads the bytes of an inbound message: refuses them, OVERSIZED, if longer than {@code
   * maxMessageBytes} (before parsing), MALFORMED if they do not parse as an {@link Envelope}.
   */
  static Inbound inbound(byte[] bytes, int maxMessageBytes) {
    if (bytes.length > maxMessageBytes) {
      return new Inbound(
          null,
          Reject.Reason.OVERSIZED,
          "message of " + bytes.length + " bytes exceeds the limit of " + maxMessageBytes);
    }
    try {
      return new Inbound(Envelope.parseFrom(bytes), null, null);
    } catch (InvalidProtocolBufferException e) {
      return new Inbound(
          null,
          Reject.Reason.MALFORMED,
          "message of " + bytes.length + " bytes is not an Envelope: " + e.getMessage());
    }
  }

  /**
   * Reads an inbound message: refuses one over {@link #maxMessageBytes} before parsing it, and
   * bytes that do not parse as an {@link Envelope}, as values the connection then handles.
   */
  private final class InboundMarshaller implements MethodDescriptor.Marshaller<Inbound> {
    @Override
    public InputStream stream(Inbound value) {
      return value.envelope().toByteString().newInput();
    }

    @Override
    public Inbound parse(InputStream stream) {
      byte[] bytes;
      try {
        bytes = stream.readAllBytes();
      } catch (IOException e) {
        throw Status.INTERNAL
            .withDescription("cannot read a message: " + e)
            .withCause(e)
            .asRuntimeException();
      }
      return inbound(bytes, maxMessageBytes);
    }
  }

  @Override
  public void close() {
    synchronized (lifecycle) {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      health.enterTerminalState();
      for (PeerLink link : links.values()) {
        if (link.dialler != null) {
          link.dialler.stop();
        }
        Connection c = link.current.get();
        if (c != null) {
          c.terminate("closed", Status.UNAVAILABLE.withDescription("replica closing"));
        }
      }
      for (ManagedChannel channel : channels) {
        channel.shutdownNow();
      }
      if (server != null) {
        server.shutdownNow();
        try {
          server.awaitTermination(5, TimeUnit.SECONDS);
          for (ManagedChannel channel : channels) {
            channel.awaitTermination(5, TimeUnit.SECONDS);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (timer != null) {
        timer.shutdownNow();
        pool.shutdown();
      }
    }
  }

  @Override
  public String toString() {
    return "GrpcTransport{self=" + self + ", listen=" + host + ":" + port + "}";
  }

  /**
   * gRPC's own inbound limit, the memory bound. It resets a stream whose message exceeds it, and
   * the sender then sees only {@code CANCELLED}; so it is set above {@link #maxMessageBytes}, and
   * an envelope between the two is refused by {@link Connection} with a proper {@code
   * RESOURCE_EXHAUSTED} status that the sender receives.
   */
  private int hardInboundLimit() {
    return (int) Math.min(Integer.MAX_VALUE, 2L * maxMessageBytes);
  }

  private static boolean dials(ReplicaId self, ReplicaId peer) {
    return self.compareTo(peer) < 0;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private ServerCredentials serverCredentials() {
    if (tls == null) {
      return InsecureServerCredentials.create();
    }
    try {
      return TlsServerCredentials.newBuilder()
          .keyManager(new ByteArrayInputStream(tls.chain), new ByteArrayInputStream(tls.key))
          .trustManager(new ByteArrayInputStream(tls.ca))
          .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
          .build();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("invalid TLS material: " + e.getMessage(), e);
    }
  }

  private ChannelCredentials channelCredentials() {
    if (tls == null) {
      return InsecureChannelCredentials.create();
    }
    try {
      return TlsChannelCredentials.newBuilder()
          .keyManager(new ByteArrayInputStream(tls.chain), new ByteArrayInputStream(tls.key))
          .trustManager(new ByteArrayInputStream(tls.ca))
          .build();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("invalid TLS material: " + e.getMessage(), e);
    }
  }

  /** Whether the certificate names {@code id} in its subject CN or a DNS subject alt name. */
  static boolean certificateNames(X509Certificate cert, ReplicaId id) {
    String name = id.toString();
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN") && name.equals(String.valueOf(rdn.getValue()))) {
          return true;
        }
      }
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(2).equals(san.get(0)) && name.equals(san.get(1))) {
            return true;
          }
        }
      }
    } catch (InvalidNameException | CertificateParsingException e) {
      return false;
    }
    return false;
  }

  private Envelope hello() {
    return Envelope.newBuilder().setSender(self.toString()).build();
  }

  /** Checks who calls before a stream is accepted. */
  private final class Authenticator implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String claimed = headers.get(REPLICA_KEY);
      ReplicaId caller = null;
      if (claimed != null) {
        try {
          caller = ReplicaId.of(claimed);
        } catch (RuntimeException e) {
          caller = null;
        }
      }
      if (caller == null || !links.containsKey(caller)) {
        call.close(
            Status.PERMISSION_DENIED.withDescription("not a configured peer: " + claimed),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
      if (tls != null
          && !peerCertificateNames(
              call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), caller)) {
        call.close(
            Status.PERMISSION_DENIED.withDescription(
                "client certificate does not name replica " + claimed),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
      return Contexts.interceptCall(
          Context.current().withValue(CALLER, caller), call, headers, next);
    }
  }

  /** Whether the TLS peer's certificate (client or server) names {@code id}. */
  private static boolean peerCertificateNames(SSLSession session, ReplicaId id) {
    if (session == null) {
      return false;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0
          && chain[0] instanceof X509Certificate
          && certificateNames((X509Certificate) chain[0], id);
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }

  /** The server side of {@code Exchange}: a stream dialled by a peer with a smaller id. */
  private StreamObserver<Inbound> accept(StreamObserver<Envelope> responses) {
    ReplicaId peer = CALLER.get();
    PeerLink link = links.get(peer);
    ServerCallStreamObserver<Envelope> out = (ServerCallStreamObserver<Envelope>) responses;
    Connection c = new Connection(link, out);
    if (closed.get()) {
      out.onError(Status.UNAVAILABLE.withDescription("replica closing").asRuntimeException());
      return c.inbound();
    }
    out.setOnReadyHandler(c::drain);
    out.setOnCancelHandler(() -> c.terminate("cancelled by peer", null));
    c.offerHello(hello());
    link.up(c);
    return c.inbound();
  }

  /** One peer: its serial callback executor and its current connection, if any. */
  private final class PeerLink {
    final ReplicaId peer;
    final SerialExecutor callbacks = new SerialExecutor(() -> pool);
    final AtomicReference<Connection> current = new AtomicReference<>();
    volatile Dialler dialler;

    PeerLink(ReplicaId peer) {
      this.peer = peer;
    }

    void up(Connection c) {
      Connection old = current.getAndSet(c);
      if (old != null) {
        old.terminate("replaced by a new stream", Status.CANCELLED.withDescription("replaced"));
      }
      c.live = true;
      callbacks.execute(
          () -> {
            if (!closed.get() && c.deliverable.compareAndSet(false, true)) {
              listener.onPeerUp(peer);
            }
          });
    }

    void message(Connection c, Envelope e) {
      callbacks.execute(
          () -> {
            if (!closed.get() && c.deliverable.get()) {
              listener.onMessage(peer, e);
            }
          });
    }

    void refusedBeforeUp(Reject.Reason reason, String detail) {
      callbacks.execute(
          () -> {
            if (!closed.get()) {
              listener.onRefused(peer, reason, detail);
            }
          });
    }

    void refused(Connection c, Reject.Reason reason, String detail) {
      callbacks.execute(
          () -> {
            if (!closed.get() && c.deliverable.get()) {
              listener.onRefused(peer, reason, detail);
            }
          });
    }

    void down(Connection c, String reason) {
      current.compareAndSet(c, null);
      callbacks.execute(
          () -> {
            if (c.deliverable.getAndSet(false) && !closed.get()) {
              listener.onPeerDown(peer, reason);
            }
          });
    }
  }

  /**
   * One stream to a peer, either side. Outbound envelopes wait in a bounded queue and are written
   * by a serial executor when gRPC says the stream is ready.
   */
  private final class Connection {
    final PeerLink link;
    final CallStreamObserver<Envelope> out;
    final ConcurrentLinkedQueue<Envelope> queue = new ConcurrentLinkedQueue<>();
    final AtomicInteger queued = new AtomicInteger();
    final SerialExecutor writes = new SerialExecutor(() -> pool);
    final AtomicBoolean terminated = new AtomicBoolean();
    final AtomicBoolean deliverable = new AtomicBoolean();
    volatile boolean live;

    /** Whether this side ended the stream for a protocol violation of the peer. */
    volatile boolean refused;

    Connection(PeerLink link, CallStreamObserver<Envelope> out) {
      this.link = link;
      this.out = out;
    }

    void offerHello(Envelope hello) {
      queue.add(hello);
      queued.incrementAndGet();
    }

    boolean offer(Envelope e) {
      if (!live || terminated.get()) {
        return false;
      }
      if (queued.incrementAndGet() > outboundBufferMessages) {
        queued.decrementAndGet();
        return false;
      }
      queue.add(e);
      drain();
      return true;
    }

    void drain() {
      writes.execute(
          () -> {
            if (terminated.get()) {
              return;
            }
            try {
              while (out.isReady()) {
                Envelope e = queue.poll();
                if (e == null) {
                  return;
                }
                queued.decrementAndGet();
                out.onNext(e);
              }
            } catch (RuntimeException ex) {
              terminate("write failed: " + ex, Status.fromThrowable(ex));
            }
          });
    }

    /** Ends the stream (with {@code status}, unless it ended already) and reports the peer down. */
    void terminate(String reason, Status status) {
      if (!terminated.compareAndSet(false, true)) {
        return;
      }
      live = false;
      if (status != null) {
        writes.execute(
            () -> {
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
      }
      link.down(this, reason);
    }

    /** Hands a message to the listener, or refuses it and ends the stream. */
    void receive(Inbound in) {
      if (in.refused() == null) {
        link.message(this, in.envelope());
        return;
      }
      if (terminated.get()) {
        return;
      }
      refused = true;
      link.refused(this, in.refused(), in.detail());
      terminate(in.refused() + ": " + in.detail(), statusOf(in.refused(), in.detail()));
    }

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
  }

  /** Dials one peer with a greater id, and redials with backoff whenever the stream is lost. */
  private final class Dialler {
    final PeerLink link;
    final ManagedChannel managed;
    final Channel channel;
    final MethodDescriptor<Envelope, Inbound> method = clientMethod();
    volatile boolean stopped;
    volatile int attempt;

    /**
     * Streams in a row that ended for a protocol violation (either side refusing the other): the
     * backoff starts from here instead of zero when a stream comes up, so a peer that keeps sending
     * what this replica refuses (or the reverse) is retried less and less often.
     */
    volatile int refusals;

    Dialler(PeerLink link, ManagedChannel channel) {
      this.link = link;
      this.managed = channel;
      Metadata headers = new Metadata();
      headers.put(REPLICA_KEY, self.toString());
      this.channel =
          ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** Records how a stream ended, for the backoff after refusals. */
    void ended(Connection c, Status status) {
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
      if (stopped || closed.get()) {
        return;
      }
      AtomicReference<Connection> conn = new AtomicReference<>();
      AtomicBoolean greeted = new AtomicBoolean();
      AtomicReference<ScheduledFuture<?>> handshakeTimer = new AtomicReference<>();
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
      ClientResponseObserver<Envelope, Inbound> observer =
          new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<Envelope> requests) {
              Connection c = new Connection(link, requests);
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
                  || closed.get()) {
                c.refused = true;
                c.terminate(
                    "unexpected hello from " + (e == null ? in.detail() : e.getSender()),
                    Status.PERMISSION_DENIED.withDescription("expected a hello from " + link.peer));
                return;
              }
              if (tls != null
                  && !peerCertificateNames(
                      call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), link.peer)) {
                c.refused = true;
                link.refusedBeforeUp(
                    Reject.Reason.UNTRUSTED_PEER,
                    "server certificate does not name replica " + link.peer);
                c.terminate(
                    "server certificate does not name " + link.peer,
                    Status.PERMISSION_DENIED.withDescription(
                        "server certificate does not name replica " + link.peer));
                return;
              }
              attempt = refusals;
              link.up(c);
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
          };
      try {
        ClientCalls.asyncBidiStreamingCall(call, observer);
      } catch (RuntimeException e) {
        redial();
        return;
      }
      try {
        handshakeTimer.set(
            timer.schedule(
                () -> {
                  if (!greeted.get()) {
                    conn.get()
                        .terminate(
                            "no hello within " + handshakeTimeout,
                            Status.DEADLINE_EXCEEDED.withDescription("handshake timeout"));
                  }
                },
                handshakeTimeout.toNanos(),
                TimeUnit.NANOSECONDS));
      } catch (RuntimeException shutDown) {
        // closing
      }
    }

    void redial() {
      if (stopped || closed.get()) {
        return;
      }
      int n = Math.min(attempt++, 30);
      long cap = Math.min(maxBackoff.toNanos(), initialBackoff.toNanos() << Math.min(n, 20));
      // "Equal jitter": half fixed, half random, so retries spread but never hammer.
      long delay = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
      try {
        timer.schedule(this::dial, delay, TimeUnit.NANOSECONDS);
      } catch (RuntimeException shutDown) {
        // closing
      }
    }
  }

  /** Runs tasks one at a time, in submission order, on a shared pool. */
  static final class SerialExecutor {
    private final java.util.function.Supplier<ExecutorService> pool;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialExecutor(java.util.function.Supplier<ExecutorService> pool) {
      this.pool = pool;
    }

    void execute(Runnable task) {
      synchronized (tasks) {
        tasks.add(task);
        if (running) {
          return;
        }
        running = true;
      }
      try {
        pool.get().execute(this::run);
      } catch (RuntimeException rejected) {
        synchronized (tasks) {
          tasks.clear();
          running = false;
        }
      }
    }

    private void run() {
      while (true) {
        Runnable task;
        synchronized (tasks) {
          task = tasks.poll();
          if (task == null) {
            running = false;
            return;
          }
        }
        try {
          task.run();
        } catch (RuntimeException e) {
          Thread t = Thread.currentThread();
          t.getUncaughtExceptionHandler().uncaughtException(t, e);
        }
      }
    }
  }

  private static final class Tls {
    final byte[] chain;
    final byte[] key;
    final byte[] ca;

    Tls(byte[] chain, byte[] key, byte[] ca) {
      this.chain = chain.clone();
      this.key = key.clone();
      this.ca = ca.clone();
    }

    /** Checks that the material parses: certificates in both PEMs, a PKCS#8 private key. */
    void validate() {
      certificates(chain, "certChainPem");
      certificates(ca, "trustedCaPem");
      privateKey(key);
    }

    private static void certificates(byte[] pem, String name) {
      try {
        if (CertificateFactory.getInstance("X.509")
            .generateCertificates(new ByteArrayInputStream(pem))
            .isEmpty()) {
          throw new IllegalArgumentException("invalid TLS material: no certificate in " + name);
        }
      } catch (CertificateException e) {
        throw new IllegalArgumentException(
            "invalid TLS material: " + name + " is not PEM certificates: " + e.getMessage(), e);
      }
    }

    private static void privateKey(byte[] pem) {
      String text = new String(pem, StandardCharsets.US_ASCII);
      int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
      int end = text.indexOf("-----END PRIVATE KEY-----");
      if (begin < 0 || end < begin) {
        throw new IllegalArgumentException(
            "invalid TLS material: privateKeyPem has no '-----BEGIN PRIVATE KEY-----' (PKCS#8)"
                + " block");
      }
      byte[] der;
      try {
        der =
            Base64.getMimeDecoder()
                .decode(text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "invalid TLS material: privateKeyPem is not base64: " + e.getMessage(), e);
      }
      for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
        try {
          KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
          return;
        } catch (GeneralSecurityException e) {
          // try the next algorithm
        }
      }
      throw new IllegalArgumentException(
          "invalid TLS material: privateKeyPem is not an RSA, EC or EdDSA PKCS#8 key");
    }
  }

  /**
   * Configures a {@link GrpcTransport}. Not thread-safe. Required: {@link #tls} or {@link
   * #plaintext()}; everything else has a default.
   */
  public static final class Builder {

    /** The default {@link #maxMessageBytes}: 4 MiB, gRPC's own default. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    /** The default {@link #outboundBufferMessages}. */
    public static final int DEFAULT_OUTBOUND_BUFFER_MESSAGES = 1024;

    private String host = "0.0.0.0";
    private int port;
    private final Map<ReplicaId, String> peers = new LinkedHashMap<>();
    private Tls tls;
    private boolean plaintext;
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private int outboundBufferMessages = DEFAULT_OUTBOUND_BUFFER_MESSAGES;
    private Duration keepAliveTime = Duration.ofSeconds(30);
    private Duration keepAliveTimeout = Duration.ofSeconds(10);
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private Duration initialBackoff = Duration.ofMillis(100);
    private Duration maxBackoff = Duration.ofSeconds(10);

    private Builder() {}

    /**
     * Sets the address and port the server listens on. Default: all interfaces, port 0.
     *
     * @param host the address to bind, for example {@code "127.0.0.1"} or {@code "0.0.0.0"}
     * @param port the port, or 0 for one the system chooses (then read {@link
     *     GrpcTransport#port()})
     * @return this builder
     * @throws NullPointerException if {@code host} is null
     * @throws IllegalArgumentException if {@code port} is not in [0, 65535]
     */
    public Builder listen(String host, int port) {
      this.host = Objects.requireNonNull(host, "host");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("must be in [0, 65535]: port=" + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Adds a peer with its address. Only the replica with the smaller id dials, so the address of a
     * peer whose id is smaller than this replica's is not used (see {@link #acceptFrom}).
     *
     * @param peer the peer's replica id
     * @param address its address as {@code host:port}
     * @return this builder
     * @throws NullPointerException if an argument is null
     */
    public Builder peer(String peer, String address) {
      return peer(ReplicaId.of(peer), address);
    }

    /**
     * Adds a peer with its address; see {@link #peer(String, String)}.
     *
     * @param peer the peer's replica id
     * @param address its address as {@code host:port}
     * @return this builder
     * @throws NullPointerException if an argument is null
     */
    public Builder peer(ReplicaId peer, String address) {
      Objects.requireNonNull(peer, "peer");
      peers.put(peer, Objects.requireNonNull(address, "address"));
      return this;
    }

    /**
     * Adds a peer whose address this replica does not need: one with a smaller id, which dials this
     * replica. {@link GrpcTransport#start} fails if it has a greater id than the replica.
     *
     * @param peer the peer's replica id
     * @return this builder
     * @throws NullPointerException if {@code peer} is null
     */
    public Builder acceptFrom(String peer) {
      ReplicaId id = ReplicaId.of(peer);
      peers.putIfAbsent(id, null);
      return this;
    }

    /**
     * Uses mutual TLS: the server presents {@code certChainPem} and requires a client certificate
     * signed by {@code trustedCaPem}, whose subject CN or a DNS subject alternative name is the
     * dialling replica's id; the client presents the same certificate, trusts only that CA, checks
     * the server's host name against its certificate (so the peer's address must be a DNS or IP
     * name of its certificate), and refuses a server whose certificate does not name the peer it
     * dialled (CN or DNS SAN, as above): both sides know whom they talk to. Replaces {@link
     * #plaintext()}. The material is checked by {@link #build()}.
     *
     * @param certChainPem this replica's certificate chain, PEM
     * @param privateKeyPem its private key, PEM (PKCS#8)
     * @param trustedCaPem the CA certificates peers' certificates must chain to, PEM
     * @return this builder
     * @throws NullPointerException if an argument is null
     */
    public Builder tls(byte[] certChainPem, byte[] privateKeyPem, byte[] trustedCaPem) {
      this.tls =
          new Tls(
              Objects.requireNonNull(certChainPem, "certChainPem"),
              Objects.requireNonNull(privateKeyPem, "privateKeyPem"),
              Objects.requireNonNull(trustedCaPem, "trustedCaPem"));
      this.plaintext = false;
      return this;
    }

    /**
     * Uses mutual TLS with material read from PEM files now; see {@link #tls(byte[], byte[],
     * byte[])}.
     *
     * @param certChainPem file of this replica's certificate chain, PEM
     * @param privateKeyPem file of its private key, PEM (PKCS#8)
     * @param trustedCaPem file of the CA certificates peers' certificates must chain to, PEM
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws UncheckedIOException if a file cannot be read; the message names it
     */
    public Builder tls(Path certChainPem, Path privateKeyPem, Path trustedCaPem) {
      return tls(read(certChainPem), read(privateKeyPem), read(trustedCaPem));
    }

    private static byte[] read(Path file) {
      Objects.requireNonNull(file, "file");
      try {
        return Files.readAllBytes(file);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read TLS file " + file + ": " + e, e);
      }
    }

    /**
     * Uses plaintext: no encryption, and a peer is whoever names itself in the {@value
     * GrpcTransport#REPLICA_HEADER} header. For loopback demos and tests only; never across a
     * network. Replaces {@link #tls}.
     *
     * @return this builder
     */
    public Builder plaintext() {
      this.plaintext = true;
      this.tls = null;
      return this;
    }

    /**
     * Sets the largest envelope sent or received, serialized, in bytes. Default {@value
     * #DEFAULT_MAX_MESSAGE_BYTES}.
     *
     * @param bytes the limit, at least 1024
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes < 1024}
     */
    public Builder maxMessageBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("must be >= 1024: bytes=" + bytes);
      }
      this.maxMessageBytes = bytes;
      return this;
    }

    /**
     * Sets how many envelopes may wait to be written to one peer; {@link GrpcTransport#send}
     * returns {@code false} beyond. Default {@value #DEFAULT_OUTBOUND_BUFFER_MESSAGES}.
     *
     * @param messages the bound, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code messages < 1}
     */
    public Builder outboundBufferMessages(int messages) {
      if (messages < 1) {
        throw new IllegalArgumentException("must be >= 1: messages=" + messages);
      }
      this.outboundBufferMessages = messages;
      return this;
    }

    /**
     * Sets the keepalive ping interval and how long to wait for its answer before the connection is
     * considered dead. Default 30 s and 10 s.
     *
     * @param time the ping interval, positive
     * @param timeout the ping timeout, positive
     * @return this builder
     * @throws IllegalArgumentException if a duration is not positive
     */
    public Builder keepAlive(Duration time, Duration timeout) {
      this.keepAliveTime = positive(time, "time");
      this.keepAliveTimeout = positive(timeout, "timeout");
      return this;
    }

    /**
     * Sets how long a dialled stream may wait for the peer's hello before it is cancelled and
     * retried. Default 10 s.
     *
     * @param timeout the timeout, positive
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public Builder handshakeTimeout(Duration timeout) {
      this.handshakeTimeout = positive(timeout, "timeout");
      return this;
    }

    /**
     * Sets the reconnect backoff: the n-th retry waits a random time in [d/2, d] with d = min(max,
     * initial * 2^n); a stream that comes up resets n. Default 100 ms and 10 s.
     *
     * @param initial the first delay, positive
     * @param max the longest delay, at least {@code initial}
     * @return this builder
     * @throws IllegalArgumentException if a duration is not positive or {@code max < initial}
     */
    public Builder reconnectBackoff(Duration initial, Duration max) {
      positive(initial, "initial");
      positive(max, "max");
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("max < initial: " + max + " < " + initial);
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /**
     * Builds the transport (not started: the replica starts it).
     *
     * @return the transport
     * @throws IllegalStateException if neither {@link #tls} nor {@link #plaintext()} was chosen
     * @throws IllegalArgumentException if the TLS material does not parse (not PEM, a key that does
     *     not match the certificate, ...)
     */
    public GrpcTransport build() {
      if (tls == null && !plaintext) {
        throw new IllegalStateException("choose tls(...) or, for loopback demos only, plaintext()");
      }
      if (tls != null) {
        tls.validate();
      }
      return new GrpcTransport(this);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("must be positive: " + name + "=" + d);
      }
      return d;
    }
  }
}
