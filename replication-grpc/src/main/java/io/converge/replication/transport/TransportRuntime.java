package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Everything a started {@link GrpcTransport} owns and its parts share: the replica's id and
 * listener, the threads, the server with its Netty event loops, the dialled channels and a {@link
 * PeerLink} per configured peer. Made by {@link #start}, released by {@link #close}; the transport
 * calls both under its lifecycle lock.
 *
 * <p>Its threads: the server's own Netty event loops (one acceptor, max(2, cores) I/O threads); a
 * cached pool ({@code converge-grpc-<id>-callbacks}) under the serial executors of the peer links
 * (listener callbacks) and connections (writes); a timer ({@code converge-grpc-<id>-timer}) for
 * dials, redials and handshake timeouts. The package documentation says which runs what.
 */
final class TransportRuntime {

  private final TransportSettings settings;
  private final ReplicaId self;
  private final Transport.Listener listener;
  private final AtomicBoolean closed;
  private final ExecutorService pool;
  private final ScheduledExecutorService timer;
  private final Map<ReplicaId, PeerLink> links;
  private final HealthStatusManager health = new HealthStatusManager();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final SerialExecutor refusalEvents;
  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private Server server;

  private TransportRuntime(
      TransportSettings settings,
      ReplicaId self,
      Transport.Listener listener,
      AtomicBoolean closed) {
    this.settings = settings;
    this.self = self;
    this.listener = listener;
    this.closed = closed;
    this.pool =
        Executors.newCachedThreadPool(r -> daemon(r, "converge-grpc-" + self + "-callbacks"));
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> daemon(r, "converge-grpc-" + self + "-timer"));
    this.refusalEvents = new SerialExecutor(this::pool);
    Map<ReplicaId, PeerLink> byPeer = new LinkedHashMap<>();
    for (ReplicaId peer : settings.peers().keySet()) {
      byPeer.put(peer, new PeerLink(this, peer));
    }
    this.links = Collections.unmodifiableMap(byPeer);
  }

  /**
   * Starts the server and the diallers of the peers {@code self} dials.
   *
   * @throws UncheckedIOException if the server cannot listen; nothing is left running then
   */
  static TransportRuntime start(
      TransportSettings settings,
      ReplicaId self,
      Transport.Listener listener,
      AtomicBoolean closed) {
    TransportRuntime rt = new TransportRuntime(settings, self, listener, closed);
    try {
      rt.listen();
      rt.dialPeers();
    } catch (RuntimeException e) {
      rt.close();
      throw e;
    }
    return rt;
  }

  private void listen() {
    ConnectionGate gate =
        new ConnectionGate(settings.maxConnections(), settings.handshakeTimeout(), this::refused);
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
    long keepAlive = settings.keepAliveTime().toNanos();
    NettyServerBuilder sb =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(settings.host(), settings.port()), serverCredentials())
            .channelFactory(gate.channelFactory())
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .addTransportFilter(gate.filter())
            .handshakeTimeout(settings.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS)
            .maxConcurrentCallsPerConnection(settings.maxStreamsPerConnection())
            .maxConnectionIdle(settings.maxConnectionIdle().toNanos(), TimeUnit.NANOSECONDS)
            .maxConnectionAge(settings.maxConnectionAge().toNanos(), TimeUnit.NANOSECONDS)
            .maxConnectionAgeGrace(settings.maxConnectionAgeGrace().toNanos(), TimeUnit.NANOSECONDS)
            .maxInboundMessageSize(settings.hardInboundLimit())
            .keepAliveTime(keepAlive, TimeUnit.NANOSECONDS)
            .keepAliveTimeout(settings.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
            .permitKeepAliveTime(
                Math.min(keepAlive, TimeUnit.SECONDS.toNanos(10)), TimeUnit.NANOSECONDS)
            .permitKeepAliveWithoutCalls(true)
            // Stream callbacks run on the event loop: they only parse, count and hand the message
            // to this transport's callback pool (never the listener), so no hop through gRPC's
            // own executor is needed.
            .directExecutor()
            .addService(new StreamAdmission(this).service())
            .addService(health.getHealthService());
    try {
      server = sb.build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot listen on " + settings.host() + ":" + settings.port(), e);
    }
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(GrpcTransport.SERVICE_NAME, ServingStatus.SERVING);
  }

  private void dialPeers() {
    ChannelCredentials creds =
        settings.tls() == null
            ? InsecureChannelCredentials.create()
            : settings.tls().channelCredentials();
    for (PeerLink link : links.values()) {
      if (TransportSettings.dials(self, link.peer)) {
        ManagedChannel channel =
            NettyChannelBuilder.forTarget(settings.peers().get(link.peer), creds)
                .maxInboundMessageSize(settings.hardInboundLimit())
                .keepAliveTime(settings.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
                .keepAliveTimeout(settings.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
                .keepAliveWithoutCalls(true)
                .directExecutor() // as the server's: callbacks only hand off to the pool
                .build();
        channels.add(channel);
        link.dialler = new Dialler(this, link, channel);
        timer.execute(link.dialler::dial);
      }
    }
  }

  private ServerCredentials serverCredentials() {
    return settings.tls() == null
        ? InsecureServerCredentials.create()
        : settings.tls().serverCredentials();
  }

  /** The address the server is bound to. */
  InetSocketAddress boundAddress() {
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  TransportSettings settings() {
    return settings;
  }

  ReplicaId self() {
    return self;
  }

  Transport.Listener listener() {
    return listener;
  }

  ExecutorService pool() {
    return pool;
  }

  boolean closed() {
    return closed.get();
  }

  /** The link of a configured peer, or null for anyone else. */
  PeerLink link(ReplicaId peer) {
    return links.get(peer);
  }

  /** The transport-level hello: an envelope with only its sender set. */
  Envelope hello() {
    return Envelope.newBuilder().setSender(self.toString()).build();
  }

  /**
   * Runs {@code task} on the timer after {@code delay}.
   *
   * @return its future, or null if the transport is closing and the timer refused it
   */
  ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    try {
      return timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RuntimeException shutDown) {
      return null;
    }
  }

  /** Reports, in order, a refusal that belongs to no peer session. */
  void refused(Reject.Reason reason, String detail) {
    refusalEvents.execute(
        () -> {
          if (!closed.get()) {
            listener.onConnectionRefused(reason, detail);
          }
        });
  }

  /**
   * Ends every connection and stops the server, the channels and the threads; also releases what a
   * failed {@link #start} made.
   */
  void close() {
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
    }
    try {
      if (server != null) {
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
      for (ManagedChannel channel : channels) {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    timer.shutdownNow();
    pool.shutdown();
    for (EventLoopGroup group : new EventLoopGroup[] {boss, workers}) {
      if (group != null) {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      }
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
