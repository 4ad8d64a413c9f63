package io.converge.replication.transport;

import static io.converge.replication.transport.TransportSettings.positive;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import io.converge.replication.wire.v1.ReplicationGrpc;
import io.grpc.Metadata;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * ReplicaId} order) dials the other, retrying with backoff forever, so a pair has one stream and
 * peers may start in any order. The dialler names itself in the {@value #REPLICA_HEADER} header;
 * the server accepts it only from a configured peer (with TLS, only if its certificate names that
 * id). Streams from the wrong side, duplicate streams and streams that do not open with a handshake
 * are refused, counted and answered with a status, without touching the peer's live session; the
 * {@linkplain io.converge.replication.transport package documentation} gives the rules, the
 * threads, and how back-pressure works.
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
 * that stream). Keepalive pings detect dead connections; a dialled stream that gets no hello within
 * the handshake timeout is cancelled.
 *
 * <p>Back-pressure runs end to end, per peer. Each connection has its own outbound queue, bounded
 * by {@link Builder#outboundBufferBytes} and {@link Builder#outboundBufferMessages}: {@link #send}
 * returns {@code false} when an envelope would exceed a bound (one larger than the byte bound is
 * accepted into an empty queue), so a slow or stalled peer fills its own queue, never this
 * replica's heap, a thread, or another peer's link. Inbound, a stream is read only while fewer than
 * 256 messages and 1 MiB received from it await the listener, so a peer that sends faster than this
 * replica processes is stalled by HTTP/2 flow control instead of growing its memory.
 *
 * <p>The server bounds what anyone who can reach its port may hold, each bound an option of the
 * builder: connections ({@link Builder#maxConnections}: one beyond is closed before a byte is
 * read), the time to finish the TLS and HTTP/2 handshake ({@link Builder#handshakeTimeout}),
 * streams per connection, idle and aged connections; and a client that pings more often than every
 * min(keepalive time, 10 s) is sent {@code GOAWAY ENHANCE_YOUR_CALM} and closed.
 *
 * <h2>Health</h2>
 *
 * The server also runs the standard gRPC health service ({@code grpc.health.v1.Health}): {@code
 * SERVING} for the empty service name and for {@value #SERVICE_NAME} while the transport runs,
 * {@code NOT_SERVING} once it closes.
 *
 * <h2>Threading</h2>
 *
 * Thread-safe; {@link #send} never blocks. Listener callbacks of one peer run one at a time, in
 * order, on a per-peer serial executor over this transport's own pool, never on a gRPC or Netty
 * thread; callbacks of different peers may run concurrently. A callback that takes long delays only
 * its own peer (whose stream stops being read meanwhile).
 */
public final class GrpcTransport implements Transport {

  /** The request header in which the dialling replica names itself. */
  public static final String REPLICA_HEADER = "converge-replica";

  /** The gRPC service name of the replication stream, as the health service reports it. */
  public static final String SERVICE_NAME = ReplicationGrpc.SERVICE_NAME;

  static final Metadata.Key<String> REPLICA_KEY =
      Metadata.Key.of(REPLICA_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  private final TransportSettings settings;
  private final Object lifecycle = new Object();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile ReplicaId self;
  private volatile TransportRuntime runtime;

  private GrpcTransport(TransportSettings settings) {
    this.settings = settings;
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
      settings.checkStart(self);
      this.self = self;
      this.runtime = TransportRuntime.start(settings, self, listener, closed);
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
      if (runtime == null) {
        throw new IllegalStateException("not started");
      }
      return runtime.boundAddress();
    }
  }

  @Override
  public boolean send(ReplicaId peer, Envelope message) {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(message, "message");
    Connection c = connection(peer);
    return c != null
        && message.getSerializedSize() <= settings.maxMessageBytes()
        && c.offer(message);
  }

  @Override
  public void disconnect(ReplicaId peer, Reject.Reason reason, String detail) {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
    Connection c = connection(peer);
    if (c != null) {
      c.refused = true;
      c.terminate("disconnected: " + reason + ": " + detail, Connection.statusOf(reason, detail));
    }
  }

  /**
   * The current connection to {@code peer}, or null if there is none, the peer is unknown or the
   * transport closed.
   *
   * @throws IllegalStateException if the transport was never started
   */
  private Connection connection(ReplicaId peer) {
    if (self == null) {
      throw new IllegalStateException("not started");
    }
    TransportRuntime rt = runtime;
    PeerLink link = rt == null || closed.get() ? null : rt.link(peer);
    return link == null ? null : link.current.get();
  }

  @Override
  public int maxMessageBytes() {
    return settings.maxMessageBytes();
  }

  @Override
  public Set<ReplicaId> peers() {
    return Set.copyOf(settings.peers().keySet());
  }

  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed.compareAndSet(false, true) && runtime != null) {
        runtime.close();
      }
    }
  }

  @Override
  public String toString() {
    return "GrpcTransport{self="
        + self
        + ", listen="
        + settings.host()
        + ":"
        + settings.port()
        + "}";
  }

  /** What arrived on a stream: an envelope, or the reason its bytes were refused. */
  record Inbound(Envelope envelope, Reject.Reason refused, String detail) {}

  /** Reads the bytes of an inbound message; see {@link InboundMarshaller#read}. */
  static Inbound inbound(byte[] bytes, int maxMessageBytes) {
    return InboundMarshaller.read(bytes, maxMessageBytes);
  }

  /** The host of a channel target; see {@link PlaintextRules#hostOf}. */
  static String hostOf(String target) {
    return PlaintextRules.hostOf(target);
  }

  /** The link of {@code peer}, for tests and diagnosis. */
  PeerLink link(ReplicaId peer) {
    return runtime.link(peer);
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

    /** The default {@link #outboundBufferBytes}: 8 MiB, two envelopes of the default maximum. */
    public static final long DEFAULT_OUTBOUND_BUFFER_BYTES = 8L * 1024 * 1024;

    /** The default {@link #maxConnections}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 64;

    /** The default {@link #maxStreamsPerConnection}. */
    public static final int DEFAULT_MAX_STREAMS_PER_CONNECTION = 16;

    String host;
    int port;
    final Map<ReplicaId, String> peers = new LinkedHashMap<>();
    TlsMaterial tls;
    boolean plaintext;
    int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    int outboundBufferMessages = DEFAULT_OUTBOUND_BUFFER_MESSAGES;
    long outboundBufferBytes = DEFAULT_OUTBOUND_BUFFER_BYTES;
    Duration keepAliveTime = Duration.ofSeconds(30);
    Duration keepAliveTimeout = Duration.ofSeconds(10);
    Duration handshakeTimeout = Duration.ofSeconds(10);
    Duration initialBackoff = Duration.ofMillis(100);
    Duration maxBackoff = Duration.ofSeconds(10);
    boolean plaintextRemote;
    int maxConnections = DEFAULT_MAX_CONNECTIONS;
    int maxStreamsPerConnection = DEFAULT_MAX_STREAMS_PER_CONNECTION;
    Duration maxConnectionIdle = Duration.ofMinutes(5);
    Duration maxConnectionAge = Duration.ofHours(1);
    Duration maxConnectionAgeGrace = Duration.ofSeconds(10);

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
          new TlsMaterial(
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
      return tls(
          TlsMaterial.read(certChainPem, "certChainPem"),
          TlsMaterial.read(privateKeyPem, "privateKeyPem"),
          TlsMaterial.read(trustedCaPem, "trustedCaPem"));
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
     * returns {@code false} beyond. With {@link #outboundBufferBytes} it bounds a peer's queue: the
     * byte bound caps large envelopes, this one the per-envelope overhead of many small ones (an
     * acknowledgement is a few bytes on the wire but an object on the heap). Default {@value
     * #DEFAULT_OUTBOUND_BUFFER_MESSAGES}.
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
     * Sets how many serialized bytes may wait to be written to one peer (each connection has its
     * own queue): {@link GrpcTransport#send} returns {@code false} for an envelope that would take
     * the queue beyond (the engine resends a refused delta later). One envelope larger than the
     * bound (up to {@link #maxMessageBytes}) is still accepted when the peer's queue is empty, so a
     * maximum-size message is never starved. The queue drains as fast as the peer reads (gRPC and
     * HTTP/2 flow control): a slow or stalled peer fills its own queue and slows nobody else.
     * Default {@value #DEFAULT_OUTBOUND_BUFFER_BYTES} (8 MiB).
     *
     * @param bytes the bound, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes < 1}
     */
    public Builder outboundBufferBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("must be >= 1: bytes=" + bytes);
      }
      this.outboundBufferBytes = bytes;
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
      TransportSettings settings = TransportSettings.of(this);
      String address = settings.host();
      if (plaintext && !plaintextRemote && PlaintextRules.isIpLiteral(address)) {
        PlaintextRules.requireLoopback(address, "listen address " + address);
      }
      return new GrpcTransport(settings);
    }
  }
}
