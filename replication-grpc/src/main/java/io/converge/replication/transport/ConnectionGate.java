package io.converge.replication.transport;

import io.converge.replication.wire.v1.Reject;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.ServerTransportFilter;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Bounds the TCP connections of one {@link GrpcTransport}'s server, below gRPC: a connection
 * accepted while {@code maxConnections} are open is closed at once, before gRPC sees a byte of it
 * ({@code CONNECTION_LIMIT}). It also reports the connections that gRPC's handshake timeout closed
 * ({@code HANDSHAKE_TIMEOUT}: open for the whole timeout without finishing their HTTP/2 and TLS
 * handshake, for example a socket that never sends a byte), which gRPC closes silently.
 *
 * <p>How: the server's channel (made by {@link #channelFactory()}) has a handler ahead of Netty's
 * acceptor that sees every accepted child channel first; each admitted child decrements the count
 * when it closes. gRPC marks a connection ready (its {@link #filter()}) when the client's first
 * HTTP/2 SETTINGS arrives. Thread-safe: the counters are atomic, the readiness map concurrent;
 * {@code refused} is called on Netty's threads and must not block.
 */
final class ConnectionGate {

  private final int maxConnections;
  private final long handshakeNanos;
  private final BiConsumer<Reject.Reason, String> refused;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<SocketAddress, Boolean> ready = new ConcurrentHashMap<>();

  /**
   * @param maxConnections the most connections open at once
   * @param handshakeTimeout gRPC's handshake timeout on the server
   * @param refused receives each refusal: the reason and a detail naming the remote address
   */
  ConnectionGate(
      int maxConnections, Duration handshakeTimeout, BiConsumer<Reject.Reason, String> refused) {
    this.maxConnections = maxConnections;
    this.handshakeNanos = handshakeTimeout.toNanos();
    this.refused = refused;
  }

  /** Makes server channels whose accepted connections pass this gate. */
  ChannelFactory<ServerChannel> channelFactory() {
    return () -> {
      NioServerSocketChannel server = new NioServerSocketChannel();
      server.pipeline().addLast(new Admission());
      return server;
    };
  }

  /** Marks connections ready once gRPC has seen their HTTP/2 handshake. */
  ServerTransportFilter filter() {
    return new ServerTransportFilter() {
      @Override
      public Attributes transportReady(Attributes attributes) {
        SocketAddress remote = attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (remote != null) {
          ready.replace(remote, Boolean.TRUE);
        }
        return attributes;
      }
    };
  }

  /** The connections open now. */
  int open() {
    return open.get();
  }

  /** Sees each accepted connection (a child {@link Channel}) before Netty's acceptor does. */
  private final class Admission extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Channel child = (Channel) msg;
      SocketAddress remote = child.remoteAddress();
      if (open.incrementAndGet() > maxConnections) {
        open.decrementAndGet();
        child.unsafe().closeForcibly();
        refused.accept(
            Reject.Reason.CONNECTION_LIMIT,
            "connection from " + remote + " closed: " + maxConnections + " connections are open");
        return;
      }
      long accepted = System.nanoTime();
      if (remote != null) {
        ready.put(remote, Boolean.FALSE);
      }
      child
          .closeFuture()
          .addListener(
              f -> {
                open.decrementAndGet();
                Boolean wasReady = remote == null ? Boolean.TRUE : ready.remove(remote);
                if (Boolean.FALSE.equals(wasReady)
                    && System.nanoTime() - accepted >= handshakeNanos) {
                  refused.accept(
                      Reject.Reason.HANDSHAKE_TIMEOUT,
                      "connection from "
                          + remote
                          + " closed: no HTTP/2 handshake within "
                          + Duration.ofNanos(handshakeNanos));
                }
              });
      ctx.fireChannelRead(msg);
    }
  }
}
