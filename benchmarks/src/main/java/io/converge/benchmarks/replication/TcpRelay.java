package io.converge.benchmarks.replication;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP relay: the benchmark's switch for a network partition between two replicas, and
 * its meter of the bytes on the wire (TCP payload: HTTP/2 frames, gRPC message prefixes, headers,
 * pings, as well as the envelopes). The dialling replica is given the relay's port, on which
 * nothing listens until {@link #open}: while closed, its connection attempts are refused
 * (partitioned); once open, each accepted connection is forwarded to the target port.
 */
final class TcpRelay implements AutoCloseable {

  private final int port;
  private final int targetPort;
  private final AtomicLong toTarget = new AtomicLong();
  private final AtomicLong fromTarget = new AtomicLong();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile ServerSocket server;

  /**
   * A closed relay from a free loopback port to {@code targetPort}.
   *
   * @param targetPort the port connections are forwarded to, on 127.0.0.1
   */
  TcpRelay(int targetPort) {
    this.targetPort = targetPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      this.port = probe.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  /** The port that the dialling replica is given. */
  int port() {
    return port;
  }

  /** Bytes relayed from the dialler to the target, and back, so far. */
  long bytes() {
    return toTarget.get() + fromTarget.get();
  }

  /** Starts listening and forwarding: heals the partition. */
  void open() throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    server = s;
    Thread acceptor = new Thread(this::accept, "bench-relay-accept-" + port);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void accept() {
    ServerSocket s = server;
    while (!s.isClosed()) {
      try {
        Socket in = s.accept();
        Socket out = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        in.setTcpNoDelay(true);
        out.setTcpNoDelay(true);
        sockets.add(in);
        sockets.add(out);
        pump(in, out, toTarget);
        pump(out, in, fromTarget);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void pump(Socket from, Socket to, AtomicLong counter) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[64 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  out.write(buffer, 0, n);
                  counter.addAndGet(n);
                }
              } catch (IOException e) {
                // the other side closed; closing both ends below
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "bench-relay-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    ServerSocket s = server;
    if (s != null) {
      closeQuietly(s);
    }
    for (Socket socket : sockets) {
      closeQuietly(socket);
    }
  }
}
