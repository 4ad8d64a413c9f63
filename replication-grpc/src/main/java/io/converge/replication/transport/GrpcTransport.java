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
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
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
 * stream with exponential backoff and full jitter, forever, so peers may start in any order.
 *
 * <h2>Session rules</h2>
 *
 * Refused, counted (through {@link Listener#onConnectionRefused} or {@link Listener#onRefused}) and
 * answered with a status, without touching the peer's live session:
 *
 * <ul>
 *   <li>a stream from a peer that does not dial this replica by the rule above ({@code
 *       WRONG_DIALLER}, {@code PERMISSION_DENIED});
 *   <li>a second stream from a peer whose stream is live, over another connection ({@code
 *       DUPLICATE_STREAM}, {@code ALREADY_EXISTS}). Over the same connection it replaces the live
 *       one: the dialler gave that up (its cancellation can be processed after the new stream
 *       arrives). A restarted dialler's new connection is accepted once the old one is known dead:
 *       at once when the peer's operating system closed it, within the keepalive time and timeout
 *       when the peer's host vanished; the dialler retries until then;
 *   <li>a stream whose first envelope (after the hello) is not a {@code Handshake} ({@code
 *       NO_HANDSHAKE}, {@code INVALID_ARGUMENT}), or that sends none within the handshake timeout
 *       ({@code HANDSHAKE_TIMEOUT}, {@code DEADLINE_EXCEEDED}); both sides apply this. {@link
 *       #send} accordingly sends nothing but a handshake first on each stream (it returns {@code
 *       false}).
 * </ul>
 *
 * The engine adds the rules on the handshake's content (one per connection; incarnations only
 * grow).
 *
 * <h2>Plaintext</h2>
 *
 * {@link Builder#plaintext()} authenticates nobody: a caller is whoever it names in the header. It
 * is therefore confined to one host: the server listens on loopback and peers are dialled on
 * loopback, or the transport refuses to build or start, naming the address. {@link
 * Builder#plaintextInsecureAllowRemote()} lifts that, insecurely.
 *
 * <h2>Limits</h2>
 *
 * {@link #send} refuses an envelope larger than {@link Builder#maxMessageBytes} (the server and the
 * channel also refuse to receive one: the stream fails with {@code RESOURCE_EXHAUSTED}, and only
 * that stream) and refuses when the peer's bounded outbound buffer is full. Writes respect gRPC
 * flow control: a slow peer fills its buffer, not this replica's heap. Keepalive pings detect dead
 * connections; a dialled stream that gets no hello within the handshake timeout is cancelled.
 *
 * <p>The server bounds what anyone who can reach its port may hold: at most {@link
 * Builder#maxConnections} connections (one beyond is closed before a byte is read: {@code
 * CONNECTION_LIMIT}); a connection must finish its TLS and HTTP/2 handshake within the handshake
 * timeout ({@code HANDSHAKE_TIMEOUT}: a socket that sends nothing is closed then); at most {@link
 * Builder#maxStreamsPerConnection} streams per connection (HTTP/2 {@code
 * SETTINGS_MAX_CONCURRENT_STREAMS}); a connection without streams is closed after {@link
 * Builder#maxConnectionIdle}, any connection after {@link Builder#maxConnectionAge} plus its grace
 * (the peer reconnects and re-authenticates); and a client that pings more often than every
 * min(keepalive time, 10 s) is sent {@code GOAWAY ENHANCE_YOUR_CALM} and closed (gRPC's keepalive
 * enforcement). The server's connections run on this transport's own Netty event loops (one
 * acceptor thread, max(2, cores) I/O threads).
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
  private static final Context.Key<SocketAddress> REMOTE = Context.key("converge-remote");

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
  private final boolean plaintextRemote;
  private final int maxConnections;
  private final int maxStreamsPerConnection;
  private final Duration maxConnectionIdle;
  private final Duration maxConnectionAge;
  private final Duration maxConnectionAgeGrace;

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
  private EventLoopGroup boss;
  private EventLoopGroup workers;

  /** Refusals that belong to no peer session, reported in order. */
  private final SerialExecutor refusalEvents = new SerialExecutor(() -> pool);

  private GrpcTransport(Builder b) {
    this.host = b.listenHost();
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
    this.plaintextRemote = b.plaintextRemote;
    this.maxConnections = b.maxConnections;
    this.maxStreamsPerConnection = b.maxStreamsPerConnection;
    this.maxConnectionIdle = b.maxConnectionIdle;
    this.maxConnectionAge = b.maxConnectionAge;
    this.maxConnectionAgeGrace = b.maxConnectionAgeGrace;
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
      if (tls == null && !plaintextRemote) {
        requireLoopback(host, "listen address " + host);
        for (Map.Entry<ReplicaId, String> e : peerAddresses.entrySet()) {
          if (dials(self, e.getKey())) {
            requireLoopback(
                hostOf(e.getValue()), "address " + e.getValue() + " of peer " + e.getKey());
          }
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
      ConnectionGate gate = new ConnectionGate(maxConnections, handshakeTimeout, this::refused);
      boss =
          new MultiThreadIoEventLoopGroup(
              1,
              new DefaultThreadFactory("converge-grpc-" + self + "-accept", true),
              NioIoHandler.newFactory());
      workers =
          new MultiThreadIoEventLoopGroup(
              Math.max(2, Runtime.getRuntime().availableProcessors()),
              new DefaultThreadFactory("converge-grpc-" + self + "-io", true),
              NioIoHandler.newFactory());
      NettyServerBuilder sb =
          NettyServerBuilder.forAddress(new InetSocketAddress(host, port), serverCredentials())
              .channelFactory(gate.channelFactory())
              .bossEventLoopGroup(boss)
              .workerEventLoopGroup(workers)
              .addTransportFilter(gate.filter())
              .handshakeTimeout(handshakeTimeout.toNanos(), TimeUnit.NANOSECONDS)
              .maxConcurrentCallsPerConnection(maxStreamsPerConnection)
              .maxConnectionIdle(maxConnectionIdle.toNanos(), TimeUnit.NANOSECONDS)
              .maxConnectionAge(maxConnectionAge.toNanos(), TimeUnit.NANOSECONDS)
              .maxConnectionAgeGrace(maxConnectionAgeGrace.toNanos(), TimeUnit.NANOSECONDS)
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
        boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
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
    return boundAddress().getPort();
  }

  /** The address the server is bound to. */
  InetSocketAddress boundAddress() {
    synchronized (lifecycle) {
      if (server == null) {
        throw new IllegalStateException("not started");
      }
      return (InetSocketAddress) server.getListenSockets().get(0);
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

  /** Whether a stream that ended with {@code code} was ended for a protocol violation. */
  private static boolean isRefusal(Status.Code code) {
    return code == Status.Code.INVALID_ARGUMENT
        || code == Status.Code.ALREADY_EXISTS
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
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      }
    }
  }

  /** Reports a refusal that belongs to no peer session (see {@link ConnectionGate}). */
  private void refused(Reject.Reason reason, String detail) {
    refusalEvents.execute(
        () -> {
          if (!closed.get()) {
            listener.onConnectionRefused(reason, detail);
          }
        });
  }

  /** Refuses a call before it becomes a stream: closes it with a status and reports it. */
  private <Q> ServerCall.Listener<Q> refuseCall(
      ServerCall<?, ?> call, Reject.Reason reason, String detail, Status status) {
    refused(reason, detail);
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }

  /**
   * Fails unless {@code host} resolves to loopback addresses only: plaintext is for one host.
   *
   * @throws IllegalStateException naming {@code what} otherwise
   */
  private static void requireLoopback(String host, String what) {
    String problem = loopbackProblem(host);
    if (problem != null) {
      throw new IllegalStateException(
          "plaintext() is for one host, but the "
              + what
              + " "
              + problem
              + ": use tls(...), or plaintextInsecureAllowRemote() to let anyone who can reach"
              + " it claim to be a peer");
    }
  }

  /** Why {@code host} is not loopback, or null if it is; resolves names (I/O). */
  private static String loopbackProblem(String host) {
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (!a.isLoopbackAddress()) {
          return "is not loopback (" + a.getHostAddress() + ")";
        }
      }
      return null;
    } catch (UnknownHostException e) {
      return "does not resolve: " + e.getMessage();
    }
  }

  /** The host of a channel target: {@code host:port}, {@code [v6]:port} or {@code dns:///...}. */
  static String hostOf(String target) {
    String t = target;
    int scheme = t.indexOf("://");
    if (scheme >= 0) {
      t = t.substring(scheme + 3);
      t = t.substring(t.indexOf('/') + 1);
    }
    if (t.startsWith("[")) {
      int end = t.indexOf(']');
      return end > 0 ? t.substring(1, end) : t;
    }
    int colon = t.lastIndexOf(':');
    return colon > 0 ? t.substring(0, colon) : t;
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
      SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      if (caller == null || !links.containsKey(caller)) {
        String detail = "not a configured peer: " + claimed + " from " + remote;
        return refuseCall(
            call,
            Reject.Reason.UNTRUSTED_PEER,
            detail,
            Status.PERMISSION_DENIED.withDescription("not a configured peer: " + claimed));
      }
      if (tls != null
          && !peerCertificateNames(
              call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), caller)) {
        String detail = "client certificate does not name replica " + claimed;
        return refuseCall(
            call,
            Reject.Reason.UNTRUSTED_PEER,
            detail + " (from " + remote + ")",
            Status.PERMISSION_DENIED.withDescription(detail));
      }
      if (!dials(caller, self)) {
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
            statusOf(Reject.Reason.WRONG_DIALLER, detail));
      }
      return Contexts.interceptCall(
          Context.current().withValue(CALLER, caller).withValue(REMOTE, remote),
          call,
          headers,
          next);
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

  /**
   * The server side of {@code Exchange}: a stream dialled by a peer with a smaller id. A peer has
   * one stream at a time: a new one replaces the live one only when it comes over the same
   * connection (the dialler gave up the old stream, whose cancellation may not be processed yet);
   * from another connection it is refused with {@code DUPLICATE_STREAM} while the live one lasts,
   * so that nobody can take over a healthy session by dialling again. Decided under the link's
   * monitor, so two streams arriving together are ordered.
   */
  private StreamObserver<Inbound> accept(StreamObserver<Envelope> responses) {
    ReplicaId peer = CALLER.get();
    SocketAddress remote = REMOTE.get();
    PeerLink link = links.get(peer);
    ServerCallStreamObserver<Envelope> out = (ServerCallStreamObserver<Envelope>) responses;
    Connection c = new Connection(link, out, remote);
    if (closed.get()) {
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
        refused(Reject.Reason.DUPLICATE_STREAM, detail);
        c.terminated.set(true);
        out.onError(statusOf(Reject.Reason.DUPLICATE_STREAM, detail).asRuntimeException());
        return c.inbound();
      }
      out.setOnReadyHandler(c::drain);
      out.setOnCancelHandler(() -> c.terminate("cancelled by peer", null));
      c.offerHello(hello());
      link.up(c);
    }
    c.awaitHandshake();
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

    /** The peer's end of the connection (server side); null on the dialler's side. */
    final SocketAddress remote;

    volatile boolean live;

    /** Whether this side ended the stream for a protocol violation of the peer. */
    volatile boolean refused;

    /** Whether the peer's first envelope (after the transport's hello) arrived. */
    volatile boolean handshakeReceived;

    /** Whether this side sent its handshake: nothing else goes before it. */
    volatile boolean handshakeSent;

    Connection(PeerLink link, CallStreamObserver<Envelope> out, SocketAddress remote) {
      this.link = link;
      this.out = out;
      this.remote = remote;
    }

    /**
     * Ends the stream unless the peer's handshake arrives within the handshake timeout: a stream
     * that sends nothing does not hold the peer's place.
     */
    void awaitHandshake() {
      try {
        timer.schedule(
            () -> {
              if (!handshakeReceived && !terminated.get()) {
                refuse(Reject.Reason.HANDSHAKE_TIMEOUT, "no handshake within " + handshakeTimeout);
              }
            },
            handshakeTimeout.toNanos(),
            TimeUnit.NANOSECONDS);
      } catch (RuntimeException shutDown) {
        // closing
      }
    }

    void offerHello(Envelope hello) {
      queue.add(hello);
      queued.incrementAndGet();
    }

    boolean offer(Envelope e) {
      if (!live || terminated.get()) {
        return false;
      }
      if (!handshakeSent) {
        if (e.getBodyCase() != Envelope.BodyCase.HANDSHAKE) {
          return false; // the peer would refuse it: a stream starts with a handshake
        }
        handshakeSent = true;
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

    /**
     * Hands a message to the listener, or refuses it and ends the stream; the first envelope must
     * be a handshake.
     */
    void receive(Inbound in) {
      if (in.refused() != null) {
        refuse(in.refused(), in.detail());
        return;
      }
      if (!handshakeReceived) {
        handshakeReceived = true;
        if (in.envelope().getBodyCase() != Envelope.BodyCase.HANDSHAKE) {
          refuse(
              Reject.Reason.NO_HANDSHAKE,
              "the first envelope of a stream must be a handshake, not "
                  + in.envelope().getBodyCase());
          return;
        }
      }
      link.message(this, in.envelope());
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
              Connection c = new Connection(link, requests, null);
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
              c.awaitHandshake();
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

    /** The default {@link #maxConnections}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 64;

    /** The default {@link #maxStreamsPerConnection}. */
    public static final int DEFAULT_MAX_STREAMS_PER_CONNECTION = 16;

    private String host;
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
    private boolean plaintextRemote;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private int maxStreamsPerConnection = DEFAULT_MAX_STREAMS_PER_CONNECTION;
    private Duration maxConnectionIdle = Duration.ofMinutes(5);
    private Duration maxConnectionAge = Duration.ofHours(1);
    private Duration maxConnectionAgeGrace = Duration.ofSeconds(10);

    private Builder() {}

    /**
     * Sets the address and port the server listens on. Default: all interfaces ({@code 0.0.0.0})
     * with {@link #tls}, loopback ({@code 127.0.0.1}) with {@link #plaintext()}; port 0. With
     * {@code plaintext()} the address must be loopback: {@link #build()} refuses a non-loopback IP
     * address, {@link GrpcTransport#start} a name that resolves to one.
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
      this.plaintextRemote = false;
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
     * Uses plaintext on this host only: no encryption, and a peer is whoever names itself in the
     * {@value GrpcTransport#REPLICA_HEADER} header, so anyone who can connect can write as any
     * peer. Therefore the server listens on loopback (the default address becomes {@code
     * 127.0.0.1}; {@link #build()} fails for a non-loopback IP address given to {@link #listen},
     * {@link GrpcTransport#start} for a name that resolves to one) and peers are dialled on
     * loopback only ({@code start} fails, naming the address, otherwise). For demos and tests on
     * one machine. Replaces {@link #tls} and {@link #plaintextInsecureAllowRemote()}.
     *
     * @return this builder
     */
    public Builder plaintext() {
      this.plaintext = true;
      this.plaintextRemote = false;
      this.tls = null;
      return this;
    }

    /**
     * Uses plaintext on any address: like {@link #plaintext()} without the loopback restriction.
     * <b>Insecure:</b> anyone who can reach the port can claim to be any peer, inject writes that
     * replicate everywhere and acknowledge {@code ALL} writes it does not hold, and everything
     * travels unencrypted. Only for a network that is itself trusted and closed (a test bench); use
     * {@link #tls} everywhere else. Replaces {@link #tls} and {@link #plaintext()}.
     *
     * @return this builder
     */
    public Builder plaintextInsecureAllowRemote() {
      plaintext();
      this.plaintextRemote = true;
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
     * Sets the handshake deadline: how long a dialled stream may wait for the peer's hello before
     * it is cancelled and retried; how long an accepted connection may take to finish its TLS and
     * HTTP/2 handshake before the server closes it (a connection that sends nothing is closed
     * then); and how long either side of a stream may take to send its first envelope, which must
     * be a {@code Handshake}, before the stream is closed ({@code DEADLINE_EXCEEDED}). Each closure
     * is counted as {@code HANDSHAKE_TIMEOUT}. Default 10 s.
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
     * Bounds the connections the server keeps open at once, peers' and anyone else's: one accepted
     * beyond is closed at once, before a byte of it is read, and counted as {@code
     * CONNECTION_LIMIT}. A replica needs one per peer that dials it, plus health checks. Default
     * {@value #DEFAULT_MAX_CONNECTIONS}.
     *
     * @param connections the bound, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code connections < 1}
     */
    public Builder maxConnections(int connections) {
      if (connections < 1) {
        throw new IllegalArgumentException("must be >= 1: connections=" + connections);
      }
      this.maxConnections = connections;
      return this;
    }

    /**
     * Bounds the concurrent streams (calls) on one connection, advertised to clients as HTTP/2
     * {@code SETTINGS_MAX_CONCURRENT_STREAMS}; a stream beyond is refused by HTTP/2. Replication
     * needs one (one {@code Exchange} stream per pair of peers; a second one from a peer whose
     * stream is live is refused with {@code DUPLICATE_STREAM} whatever this bound). Default {@value
     * #DEFAULT_MAX_STREAMS_PER_CONNECTION}.
     *
     * @param streams the bound, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code streams < 1}
     */
    public Builder maxStreamsPerConnection(int streams) {
      if (streams < 1) {
        throw new IllegalArgumentException("must be >= 1: streams=" + streams);
      }
      this.maxStreamsPerConnection = streams;
      return this;
    }

    /**
     * Sets how long the server keeps a connection that has no stream open (a peer's connection
     * always has its {@code Exchange} stream, so this closes others': health checks, idle clients),
     * with an HTTP/2 {@code GOAWAY}. Default 5 minutes.
     *
     * @param idle the limit, positive
     * @return this builder
     * @throws IllegalArgumentException if {@code idle} is not positive
     */
    public Builder maxConnectionIdle(Duration idle) {
      this.maxConnectionIdle = positive(idle, "idle");
      return this;
    }

    /**
     * Sets the age at which the server asks a client to reconnect (HTTP/2 {@code GOAWAY}), and how
     * long after that its open streams may go on before the connection is closed. A peer's {@code
     * Exchange} stream then ends and its dialler reconnects at once; deltas in flight are resent,
     * so nothing is lost, and the peer re-authenticates: a certificate that was revoked or expired
     * stops working within {@code age + grace}. Default 1 hour and 10 s.
     *
     * @param age the age, positive
     * @param grace the grace period, positive
     * @return this builder
     * @throws IllegalArgumentException if a duration is not positive
     */
    public Builder maxConnectionAge(Duration age, Duration grace) {
      this.maxConnectionAge = positive(age, "age");
      this.maxConnectionAgeGrace = positive(grace, "grace");
      return this;
    }

    /**
     * Builds the transport (not started: the replica starts it). Does no I/O: a listen address
     * given as a name is checked by {@link GrpcTransport#start}.
     *
     * @return the transport
     * @throws IllegalStateException if neither {@link #tls} nor {@link #plaintext()} was chosen, or
     *     if {@code plaintext()} is asked to listen on a non-loopback IP address (the message names
     *     it)
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
      String address = listenHost();
      if (plaintext && !plaintextRemote && isIpLiteral(address)) {
        requireLoopback(address, "listen address " + address);
      }
      return new GrpcTransport(this);
    }

    /** The address to listen on: the one given, or the default of the security chosen. */
    private String listenHost() {
      return host != null ? host : plaintext ? "127.0.0.1" : "0.0.0.0";
    }

    /** Whether {@code host} is an IP address (resolving it does no I/O), not a name. */
    private static boolean isIpLiteral(String host) {
      return host.indexOf(':') >= 0 || host.matches("[0-9.]+");
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
